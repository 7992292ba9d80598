import Foundation

/// The slots of one placement, validated and sorted by id, with everything the rendezvous
/// scan needs precomputed (hash keys, hosts as contiguous index ranges, active weight).
struct SlotTable: Sendable {
    let ids: [SlotID]
    let states: [SlotState]
    let weights: [Double]
    let keys: [UInt64]
    /// Per slot, the index of its host in `hostNames`.
    let hostOfSlot: [Int32]
    let hostNames: [String]
    /// Per host, its slots' index range (slots are sorted by host first).
    let hostRanges: [Range<Int>]
    /// Per host, the total weight of its active slots.
    let hostActiveWeights: [Double]
    let indexByID: [SlotID: Int32]
    /// W: the total weight of active slots.
    let activeWeight: Double

    var count: Int { ids.count }

    /// Validates and indexes the slots; `forceDead` marks one slot dead whatever its state.
    init(_ slots: [PlacementSlot], forceDead: SlotID? = nil) throws(PlacementError) {
        let sorted = slots.sorted { $0.id < $1.id }
        var indexByID: [SlotID: Int32] = [:]
        indexByID.reserveCapacity(sorted.count)
        var hostNames: [String] = []
        var hostRanges: [Range<Int>] = []
        var hostActiveWeights: [Double] = []
        var hostOfSlot: [Int32] = []
        hostOfSlot.reserveCapacity(sorted.count)
        var activeWeight = 0.0
        for (index, slot) in sorted.enumerated() {
            guard slot.weight.isFinite, slot.weight > 0 else {
                throw .invalidWeight(slot.id, slot.weight)
            }
            guard indexByID.updateValue(Int32(index), forKey: slot.id) == nil else {
                throw .duplicateSlot(slot.id)
            }
            if hostNames.last != slot.id.host {
                hostNames.append(slot.id.host)
                hostRanges.append(index..<index)
                hostActiveWeights.append(0)
            }
            let host = hostNames.count - 1
            hostRanges[host] = hostRanges[host].lowerBound..<(index + 1)
            hostOfSlot.append(Int32(host))
            if slot.state == .active && slot.id != forceDead {
                hostActiveWeights[host] += slot.weight
                activeWeight += slot.weight
            }
        }
        self.ids = sorted.map(\.id)
        self.states = sorted.map { $0.id == forceDead ? .dead : $0.state }
        self.weights = sorted.map(\.weight)
        self.keys = sorted.map(\.id.placementKey)
        self.hostOfSlot = hostOfSlot
        self.hostNames = hostNames
        self.hostRanges = hostRanges
        self.hostActiveWeights = hostActiveWeights
        self.indexByID = indexByID
        self.activeWeight = activeWeight
    }

    /// The table index of a slot id, or nil when the slot is not in the table.
    func index(of id: SlotID?) -> Int32? {
        guard let id else { return nil }
        return indexByID[id]
    }

    func isActive(_ slot: Int32) -> Bool { states[Int(slot)] == .active }

    /// A broker server's home host: weighted rendezvous over hosts with active slots.
    func homeHost(ofServer server: String) -> Int32 {
        let serverKey = StableHash.hash(server)
        var best: Int32 = -1
        var bestKey = Double.infinity
        for host in hostNames.indices where hostActiveWeights[host] > 0 {
            let u = StableHash.unitInterval(StableHash.mix(serverKey ^ StableHash.hash(hostNames[host])))
            let key = -log(u) / hostActiveWeights[host]
            if key < bestKey {
                bestKey = key
                best = Int32(host)
            }
        }
        return best
    }
}
