import Foundation

/// Slot loads and capacities during one placement, and the weighted rendezvous search for an
/// account's best slot with room for its load.
///
/// Loads are in the accounts' own unit (``PlacementAccount/load``: 1 each counts accounts). A
/// slot is open while its load is below its capacity; an account takes the best open slot that
/// has room for all of its load, else the least-filled active slot (only an account heavier
/// than the slack left anywhere), so no slot exceeds its capacity by more than one account.
///
/// An account's key for a slot is `−ln(u)/w` (divided by `1+α` on its broker's home host),
/// with `u` the pair's hash mapped into (0, 1): the smallest key is the highest weighted
/// rendezvous score `−w/ln(u)`. A slot that is full or not active has an infinite weight
/// inverse, so the scan skips it without a branch on its state. Since `−ln(u) ≥ 1−u`, the
/// logarithm is computed only for slots whose cheap lower bound beats the best so far: a few
/// per account.
struct RendezvousScanner {
    let table: SlotTable
    /// Per slot: the load placed on it, its accounts, and its capacity in load.
    private(set) var load: [Double]
    private(set) var count: [Int]
    private(set) var capacity: [Double]
    /// Per slot: the count-based capacity `ceil((1+ε)·N·w/W)` (reported; `capacity` is it × the mean load).
    private var countCapacity: [Int]
    /// 1/w for active slots with room, +∞ otherwise.
    private var openInverseWeight: [Double]
    /// 1/(1+α), applied to keys on an account's home host.
    let affinityFactor: Double
    private var homeHosts: [String: Int32] = [:]
    /// Login affinity: per broker server, the slots with a measured login, fastest first, and
    /// the mean of those logins.
    private let logins: [String: (fastest: [(slot: Int32, ms: Double)], mean: Double)]
    /// Per server, how many of its fastest slots are full (a full slot stays full in a run).
    private var loginCursor: [String: Int] = [:]
    private let loginMs: [PlacementOptions.LoginKey: Double]
    private let loginGain: Double

    init(table: SlotTable, options: PlacementOptions) {
        self.table = table
        load = Array(repeating: 0, count: table.count)
        count = Array(repeating: 0, count: table.count)
        capacity = Array(repeating: 0, count: table.count)
        countCapacity = Array(repeating: 0, count: table.count)
        openInverseWeight = Array(repeating: .infinity, count: table.count)
        affinityFactor = 1 / (1 + options.affinityWeight)
        loginGain = options.loginGain
        var byServer: [String: [(slot: Int32, ms: Double)]] = [:]
        var measured: [PlacementOptions.LoginKey: Double] = [:]
        if options.loginGain > 0 {
            for (key, ms) in options.loginMs where ms.isFinite && ms >= 0 {
                guard let slot = table.index(of: key.slot), table.isActive(slot) else { continue }
                byServer[key.server, default: []].append((slot, ms))
                measured[key] = ms
            }
        }
        logins = byServer.mapValues { list in
            (list.sorted { ($0.ms, $0.slot) < ($1.ms, $1.slot) }, list.reduce(0) { $0 + $1.ms } / Double(list.count))
        }
        loginMs = measured
    }

    /// Sets every active slot's capacity for `accountCount` accounts (N) of `totalLoad` (L):
    /// `ceil((1+ε)·N·w/W)` accounts of the mean load L/N, so that with equal loads it is the
    /// count bound exactly. Opens the slots with room.
    mutating func setCapacities(accountCount: Int, totalLoad: Double, epsilon: Double) {
        let total = table.activeWeight
        let mean = accountCount > 0 && totalLoad > 0 ? totalLoad / Double(accountCount) : 1
        for slot in 0..<table.count where table.states[slot] == .active && total > 0 {
            countCapacity[slot] = Placement.capacity(
                accounts: accountCount, weight: table.weights[slot], totalWeight: total, epsilon: epsilon)
            capacity[slot] = Double(countCapacity[slot]) * mean
            openInverseWeight[slot] = hasRoom(slot, for: 0) ? 1 / table.weights[slot] : .infinity
        }
    }

    /// Whether `slot`'s load plus `weight` stays within its capacity (open: below it, for 0).
    @inline(__always)
    private func hasRoom(_ slot: Int, for weight: Double) -> Bool {
        let limit = capacity[slot] * (1 + 1e-12)
        return weight > 0 ? load[slot] + weight <= limit : load[slot] < capacity[slot] * (1 - 1e-12)
    }

    /// Counts one more account of `weight` on `slot`; closes the slot when it is full.
    mutating func add(_ slot: Int32, weight: Double) {
        let slot = Int(slot)
        load[slot] += weight
        count[slot] += 1
        if !hasRoom(slot, for: 0) { openInverseWeight[slot] = .infinity }
    }

    /// Takes one account of `weight` off `slot` (load relief); reopens the slot when it has room.
    mutating func remove(_ slot: Int32, weight: Double) {
        let slot = Int(slot)
        load[slot] -= weight
        count[slot] -= 1
        if table.states[slot] == .active && hasRoom(slot, for: 0) { openInverseWeight[slot] = 1 / table.weights[slot] }
    }

    /// Counts `accounts` accounts of total `weight` already on `slot` (newcomer placement).
    mutating func add(_ slot: Int32, accounts: Int, weight: Double) {
        let slot = Int(slot)
        load[slot] += weight
        count[slot] += accounts
        if !hasRoom(slot, for: 0) { openInverseWeight[slot] = .infinity }
    }

    /// Whether an account of `weight` fits on `slot` (an active slot with room for it).
    func fits(_ slot: Int32, weight: Double) -> Bool {
        table.isActive(slot) && hasRoom(Int(slot), for: weight)
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

    /// Where an account of `weight` goes: the highest-scoring active slot with room for it, or a
    /// slot with room whose measured login to `server` is at least the login gain faster; when
    /// no slot has room for all of it, the least-filled active slot. Nil only without an
    /// active slot.
    mutating func bestSlot(account: UInt64, home: Int32, weight: Double = 1, server: String? = nil) -> Int32? {
        var best = -1
        var bestKey = Double.infinity
        table.keys.withUnsafeBufferPointer { keys in
            openInverseWeight.withUnsafeBufferPointer { inverse in
                load.withUnsafeBufferPointer { load in
                    capacity.withUnsafeBufferPointer { capacity in
                        let fit = Fit(weight: weight, load: load, capacity: capacity)
                        if home >= 0 {
                            let range = table.hostRanges[Int(home)]
                            Self.scan(0..<range.lowerBound, 1, account, keys, inverse, fit, &best, &bestKey)
                            Self.scan(range, affinityFactor, account, keys, inverse, fit, &best, &bestKey)
                            Self.scan(range.upperBound..<keys.count, 1, account, keys, inverse, fit, &best, &bestKey)
                        } else {
                            Self.scan(0..<keys.count, 1, account, keys, inverse, fit, &best, &bestKey)
                        }
                    }
                }
            }
        }
        guard best >= 0 else { return leastFilled(adding: weight) }
        if let server, let faster = fasterLogin(than: Int32(best), server: server, weight: weight) { return faster }
        return Int32(best)
    }

    /// The measured slot with room that logs into `server` fastest, when its login beats the
    /// chosen slot's (or, unmeasured there, the server's mean) by the login gain.
    private mutating func fasterLogin(than chosen: Int32, server: String, weight: Double) -> Int32? {
        guard let measured = logins[server] else { return nil }
        var skip = loginCursor[server] ?? 0
        while skip < measured.fastest.count, openInverseWeight[Int(measured.fastest[skip].slot)] == .infinity { skip += 1 }
        loginCursor[server] = skip
        guard let fastest = measured.fastest[skip...].first(where: { hasRoom(Int($0.slot), for: weight) }),
              fastest.slot != chosen else { return nil }
        let reference = loginMs[PlacementOptions.LoginKey(slot: table.ids[Int(chosen)], server: server)] ?? measured.mean
        return fastest.ms <= (1 - loginGain) * reference ? fastest.slot : nil
    }

    /// The active slot whose load after `weight` is the smallest share of its capacity.
    private func leastFilled(adding weight: Double) -> Int32? {
        var best = -1
        var bestRatio = Double.infinity
        for slot in 0..<table.count where table.states[slot] == .active && capacity[slot] > 0 {
            let ratio = (load[slot] + weight) / capacity[slot]
            if ratio < bestRatio {
                bestRatio = ratio
                best = slot
            }
        }
        return best >= 0 ? Int32(best) : nil
    }

    /// Accounts per slot, for every slot of the table.
    func loadsByID() -> [SlotID: Int] {
        Dictionary(uniqueKeysWithValues: zip(table.ids, count))
    }

    /// Load per slot, for every slot of the table.
    func workByID() -> [SlotID: Double] {
        Dictionary(uniqueKeysWithValues: zip(table.ids, load))
    }

    /// Count capacity of every active slot.
    func capacitiesByID() -> [SlotID: Int] {
        var capacities: [SlotID: Int] = [:]
        for slot in 0..<table.count where table.states[slot] == .active {
            capacities[table.ids[slot]] = countCapacity[slot]
        }
        return capacities
    }

    /// Load capacity of every active slot.
    func boundsByID() -> [SlotID: Double] {
        var bounds: [SlotID: Double] = [:]
        for slot in 0..<table.count where table.states[slot] == .active {
            bounds[table.ids[slot]] = capacity[slot]
        }
        return bounds
    }

    /// What the scan needs to tell whether an account fits a slot.
    private struct Fit {
        let weight: Double
        let load: UnsafeBufferPointer<Double>
        let capacity: UnsafeBufferPointer<Double>

        @inline(__always)
        func fits(_ slot: Int) -> Bool { load[slot] + weight <= capacity[slot] * (1 + 1e-12) }
    }

    // The hot loop: one mix, one multiply and one compare per slot in the common case.
    @inline(__always)
    private static func scan(
        _ range: Range<Int>, _ factor: Double, _ account: UInt64,
        _ keys: UnsafeBufferPointer<UInt64>, _ inverse: UnsafeBufferPointer<Double>, _ fit: Fit,
        _ best: inout Int, _ bestKey: inout Double
    ) {
        for slot in range {
            let u = StableHash.unitInterval(StableHash.mix(account ^ keys[slot]))
            let scale = inverse[slot] * factor
            if (1 - u) * scale < bestKey {
                let key = -log(u) * scale
                if key < bestKey && fit.fits(slot) {
                    bestKey = key
                    best = slot
                }
            }
        }
    }
}
