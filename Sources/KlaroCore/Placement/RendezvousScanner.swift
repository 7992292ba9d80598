import Foundation

/// Slot loads and capacities during one placement, and the weighted rendezvous search for an
/// account's best slot with room.
///
/// An account's key for a slot is `−ln(u)/w` (divided by `1+α` on its broker's home host),
/// with `u` the pair's hash mapped into (0, 1): the smallest key is the highest weighted
/// rendezvous score `−w/ln(u)`. A slot that is full or not active has an infinite weight
/// inverse, so the scan skips it without a branch on its state. Since `−ln(u) ≥ 1−u`, the
/// logarithm is computed only for slots whose cheap lower bound beats the best so far: a few
/// per account.
struct RendezvousScanner {
    let table: SlotTable
    private(set) var load: [Int]
    private(set) var capacity: [Int]
    /// 1/w for active slots with room, +∞ otherwise.
    private var openInverseWeight: [Double]
    /// 1/(1+α), applied to keys on an account's home host.
    let affinityFactor: Double
    private var homeHosts: [String: Int32] = [:]

    init(table: SlotTable, affinityWeight: Double) {
        self.table = table
        load = Array(repeating: 0, count: table.count)
        capacity = Array(repeating: 0, count: table.count)
        openInverseWeight = Array(repeating: .infinity, count: table.count)
        affinityFactor = 1 / (1 + affinityWeight)
    }

    /// Sets every active slot's capacity to `ceil((1+ε)·N·w/W)` for `accountCount` = N, and
    /// opens the ones with room.
    mutating func setCapacities(accountCount: Int, epsilon: Double) {
        let total = table.activeWeight
        for slot in 0..<table.count where table.states[slot] == .active && total > 0 {
            capacity[slot] = Placement.capacity(
                accounts: accountCount, weight: table.weights[slot], totalWeight: total, epsilon: epsilon)
            openInverseWeight[slot] = load[slot] < capacity[slot] ? 1 / table.weights[slot] : .infinity
        }
    }


    /// Counts one more account on `slot`; closes the slot when it reaches capacity.
    mutating func add(_ slot: Int32) {
        let slot = Int(slot)
        load[slot] += 1
        if load[slot] >= capacity[slot] { openInverseWeight[slot] = .infinity }
    }

    /// The home host of a broker server (cached), or −1 when affinity is off or no server.
    mutating func homeHost(ofServer server: String?) -> Int32 {
        guard affinityFactor < 1, let server else { return -1 }
        if let host = homeHosts[server] { return host }
        let host = table.homeHost(ofServer: server)
        homeHosts[server] = host
        return host
    }

    /// The account's key for one slot, whether or not the slot has room (smaller is better).
    func key(account: UInt64, slot: Int32, home: Int32) -> Double {
        let slot = Int(slot)
        let u = StableHash.unitInterval(StableHash.mix(account ^ table.keys[slot]))
        let factor = table.hostOfSlot[slot] == home ? affinityFactor : 1
        return -log(u) * (1 / table.weights[slot] * factor)
    }

    /// The active slot with room that scores highest for the account, or nil when none has room.
    func bestSlot(account: UInt64, home: Int32) -> Int32? {
        var best = -1
        var bestKey = Double.infinity
        table.keys.withUnsafeBufferPointer { keys in
            openInverseWeight.withUnsafeBufferPointer { inverse in
                if home >= 0 {
                    let range = table.hostRanges[Int(home)]
                    Self.scan(0..<range.lowerBound, 1, account, keys, inverse, &best, &bestKey)
                    Self.scan(range, affinityFactor, account, keys, inverse, &best, &bestKey)
                    Self.scan(range.upperBound..<keys.count, 1, account, keys, inverse, &best, &bestKey)
                } else {
                    Self.scan(0..<keys.count, 1, account, keys, inverse, &best, &bestKey)
                }
            }
        }
        return best >= 0 ? Int32(best) : nil
    }

    /// Accounts per slot, for every slot of the table.
    func loadsByID() -> [SlotID: Int] {
        Dictionary(uniqueKeysWithValues: zip(table.ids, load))
    }

    /// Capacity of every active slot.
    func capacitiesByID() -> [SlotID: Int] {
        var capacities: [SlotID: Int] = [:]
        for slot in 0..<table.count where table.states[slot] == .active {
            capacities[table.ids[slot]] = capacity[slot]
        }
        return capacities
    }

    // The hot loop: one mix, one multiply and one compare per slot in the common case.
    @inline(__always)
    private static func scan(
        _ range: Range<Int>, _ factor: Double, _ account: UInt64,
        _ keys: UnsafeBufferPointer<UInt64>, _ inverse: UnsafeBufferPointer<Double>,
        _ best: inout Int, _ bestKey: inout Double
    ) {
        for slot in range {
            let u = StableHash.unitInterval(StableHash.mix(account ^ keys[slot]))
            let scale = inverse[slot] * factor
            if (1 - u) * scale < bestKey {
                let key = -log(u) * scale
                if key < bestKey {
                    bestKey = key
                    best = slot
                }
            }
        }
    }
}
