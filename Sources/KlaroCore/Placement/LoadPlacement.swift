import Foundation

/// An account weighed by the work it makes: its sync time × how often it is synced.
public struct LoadAccount: Sendable, Equatable {
    public var id: UUID
    /// Busy-slot share: mean sync seconds ÷ interval seconds (e.g. 6 s every 300 s = 0.02).
    public var weight: Double
    /// The broker server it logs into, for affinity.
    public var server: String?

    public init(id: UUID, weight: Double, server: String? = nil) {
        self.id = id
        self.weight = weight
        self.server = server
    }
}

/// Where `LoadPlacement` put the accounts, and each active slot's load against its bound.
public struct LoadPlacementResult: Sendable, Equatable {
    public var assignments: [UUID: SlotID]
    public var loads: [SlotID: Double]
    public var capacities: [SlotID: Double]
    /// Accounts left without a slot: there is no active slot.
    public var unplaced: [UUID]
}

/// Placement by load rather than by count (issue 13): rendezvous hashing with a bounded
/// load where an account weighs its sync time × frequency, so a slot of slow or often-synced
/// accounts takes fewer of them. Additive beside ``Placement`` (which counts accounts).
///
/// Bound: an active slot of weight w takes load up to `(1+ε) · L · w / W` (L: total load, W:
/// total slot weight); accounts go heaviest first, each to its highest-scoring slot with room.
/// When no slot has room (only possible for accounts heavier than ε's slack), the account goes
/// to the least-filled slot, so no slot ever exceeds its bound by more than one account's weight.
///
/// Broker affinity: among the slots with room, one whose terminal logged into the account's
/// server at least `affinityGain` faster (by `loginMs`, per slot and server) than the
/// highest-scoring slot is preferred; it never takes a slot past its bound.
public enum LoadPlacement {
    /// A slot's measured login time to one broker server.
    public struct LoginKey: Hashable, Sendable {
        public var slot: SlotID
        public var server: String

        public init(slot: SlotID, server: String) {
            self.slot = slot
            self.server = server
        }
    }

    public static func place(
        slots: [PlacementSlot], accounts: [LoadAccount], epsilon: Double = 0.25,
        loginMs: [LoginKey: Double] = [:], affinityGain: Double = 0.2
    ) -> LoadPlacementResult {
        let active = slots.filter { $0.state == .active && $0.weight > 0 }.sorted { $0.id < $1.id }
        guard !active.isEmpty else {
            return LoadPlacementResult(assignments: [:], loads: [:], capacities: [:], unplaced: accounts.map(\.id).sorted { $0.uuidString < $1.uuidString })
        }
        let totalLoad = accounts.reduce(0.0) { $0 + max(0, $1.weight) }
        let totalWeight = active.reduce(0.0) { $0 + $1.weight }
        let capacity = active.map { (1 + max(0, epsilon)) * totalLoad * $0.weight / totalWeight }
        let slotKeys = active.map { StableHash.hash("\($0.id.host):\($0.id.index)") }
        var load = Array(repeating: 0.0, count: active.count)
        var assignments: [UUID: SlotID] = [:]
        assignments.reserveCapacity(accounts.count)
        let order = accounts.sorted { ($0.weight, $1.id.uuidString) > ($1.weight, $0.id.uuidString) }
        for account in order {
            let weight = max(0, account.weight)
            let key = StableHash.hash(account.id)
            // Weighted rendezvous score: −w / ln(u), u uniform in (0, 1) from the pair's hash.
            let ranked = active.indices.map { s -> (score: Double, slot: Int) in
                let u = (Double(StableHash.mix(key ^ slotKeys[s]) >> 11) + 0.5) / Double(UInt64(1) << 53)
                return (-active[s].weight / log(u), s)
            }.sorted { ($0.score, $1.slot) > ($1.score, $0.slot) }
            let withRoom = ranked.filter { load[$0.slot] + weight <= capacity[$0.slot] * (1 + 1e-12) }
            var chosen: Int
            if let best = withRoom.first?.slot {
                chosen = best
                if let server = account.server {
                    chosen = faster(than: best, among: withRoom.map(\.slot), server: server, slots: active,
                                    loginMs: loginMs, gain: affinityGain)
                }
            } else {
                chosen = active.indices.min { load[$0] / capacity[$0] < load[$1] / capacity[$1] } ?? 0
            }
            load[chosen] += weight
            assignments[account.id] = active[chosen].id
        }
        return LoadPlacementResult(
            assignments: assignments,
            loads: Dictionary(uniqueKeysWithValues: active.indices.map { (active[$0].id, load[$0]) }),
            capacities: Dictionary(uniqueKeysWithValues: active.indices.map { (active[$0].id, capacity[$0]) }),
            unplaced: []
        )
    }

    /// The candidate with the fastest measured login to `server` when it beats the best-scoring
    /// slot's (or, unmeasured there, the mean of the measured ones) by `gain`; else `best`.
    private static func faster(
        than best: Int, among candidates: [Int], server: String, slots: [PlacementSlot],
        loginMs: [LoginKey: Double], gain: Double
    ) -> Int {
        guard !loginMs.isEmpty else { return best }
        let measured = candidates.compactMap { s in loginMs[LoginKey(slot: slots[s].id, server: server)].map { (s, $0) } }
        guard let fastest = measured.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }), fastest.0 != best else { return best }
        let reference = loginMs[LoginKey(slot: slots[best].id, server: server)]
            ?? measured.reduce(0.0) { $0 + $1.1 } / Double(measured.count)
        return fastest.1 <= (1 - gain) * reference ? fastest.0 : best
    }
}
