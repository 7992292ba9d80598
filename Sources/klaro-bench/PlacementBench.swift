import ArgumentParser
import Foundation
import KlaroCore

/// `klaro-bench placement`: full placement of a synthetic fleet, and the re-placement after
/// one slot dies, both incremental (`reassign`) and full — by count (every account weighs 1)
/// and by load as klarod places (sync time × frequency, with login affinity).
struct PlacementBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placement",
        abstract: "Time full placement and the re-placement after a slot dies."
    )

    @Option(help: "Number of accounts.")
    var accounts = 100_000

    @Option(help: "Number of slots (4 per host).")
    var slots = 1_000

    @Option(help: "Timed runs of each measurement.")
    var runs = 5

    @Option(help: "Load slack ε.")
    var epsilon = 0.25

    @Option(help: "Broker affinity weight (0 = off).")
    var affinity = 0.0

    @Flag(help: "Give slots weights 1…4 instead of all 1.")
    var mixedWeights = false

    @Option(help: "Seed of the synthetic fleet.")
    var seed: UInt64 = 1

    mutating func validate() throws {
        guard accounts >= 0, slots >= 2, runs >= 1 else {
            throw ValidationError("need --accounts ≥ 0, --slots ≥ 2 and --runs ≥ 1")
        }
    }

    func run() async throws {
        var rng = SplitMix64(seed: seed)
        let fleet = (0..<slots).map { i in
            PlacementSlot(
                id: SlotID(host: "bench-host-\(i / 4)", index: i % 4 + 1),
                weight: mixedWeights ? Double(1 + rng.next() % 4) : 1
            )
        }
        let servers = (0..<max(1, accounts / 500)).map { "Broker-\($0)" }
        let population = (0..<accounts).map { _ in
            PlacementAccount(id: Self.uuid(using: &rng), server: servers[Int(rng.next() % UInt64(servers.count))])
        }
        let options = PlacementOptions(epsilon: epsilon, affinityWeight: affinity)
        print("placement: \(accounts) accounts, \(slots) slots, ε \(epsilon), affinity \(affinity), "
              + "\(mixedWeights ? "mixed" : "equal") weights, \(runs) runs")

        var full: PlacementResult?
        let fullTimes = try (0..<runs).map { _ in
            try Self.time { full = try Placement.place(slots: fleet, accounts: population, options: options) }
        }
        guard let full else { return }
        print("full placement      \(Self.summary(fullTimes))")
        print("  \(Self.loadSummary(full))")

        let placed = population.map { account in
            var account = account
            account.current = full.assignments[account.id]
            return account
        }
        let deaths = (0..<runs).map { _ in Int(rng.next() % UInt64(fleet.count)) }
        var moved: [Int] = []
        var last: PlacementResult?
        let incrementalTimes = try deaths.map { dead in
            let time = try Self.time {
                last = try Placement.reassign(orphansOf: fleet[dead].id, slots: fleet, accounts: placed, options: options)
            }
            moved.append(last?.moves.count ?? 0)
            return time
        }
        // What klarod runs today when a slot dies: the full placement with that slot dead.
        let fullAfterDeathTimes = try deaths.map { dead in
            var withDead = fleet
            withDead[dead].state = .dead
            return try Self.time { _ = try Placement.place(slots: withDead, accounts: placed, options: options) }
        }
        print("one slot dies       \(Self.summary(incrementalTimes))  (reassign)")
        print("                    \(Self.summary(fullAfterDeathTimes))  (full placement, as klarod runs it)")
        let fraction = Double(moved.reduce(0, +)) / Double(max(1, moved.count * accounts))
        print("  moved per death: \(moved.map(String.init).joined(separator: ", ")) "
              + "(fraction moved \(String(format: "%.4f", fraction)), ideal 1/S = \(String(format: "%.4f", 1 / Double(slots))))")
        if let last { print("  \(Self.loadSummary(last))") }
        try byLoad(fleet: fleet, population: population, options: options, deaths: deaths, rng: &rng)
    }

    /// The same fleet weighed as klarod weighs it: log-normal sync times (median 5 s) over
    /// 30 % moving, 20 % quiet and 50 % dormant accounts at the standard targets, a tenth
    /// unmeasured (the median), and measured logins for a quarter of the (slot, server) pairs.
    private func byLoad(
        fleet: [PlacementSlot], population: [PlacementAccount], options: PlacementOptions, deaths: [Int],
        rng: inout SplitMix64
    ) throws {
        let classes: [SyncClass] = [.moving, .moving, .moving, .quiet, .quiet, .dormant, .dormant, .dormant, .dormant, .dormant]
        let times = population.map { _ -> Int? in
            guard rng.next() % 10 != 0 else { return nil }
            let u = Double(rng.next() >> 11) / Double(UInt64(1) << 53), v = Double(rng.next() >> 11) / Double(UInt64(1) << 53)
            return Int(5_000 * exp(0.5 * (-2 * log(max(u, 1e-12))).squareRoot() * cos(2 * .pi * v)))
        }
        let median = PlacementWork.defaultSyncSeconds(measuredMs: times.compactMap { $0 })
        let weighed = population.enumerated().map { i, account in
            var account = account
            account.load = PlacementWork.load(
                averageSyncMs: times[i], defaultSeconds: median, syncClass: classes[i % classes.count], plan: nil,
                policy: .standard, stretch: [:])
            return account
        }
        var withLogins = options
        for slot in fleet {
            for server in Set(population.compactMap(\.server)) where rng.next() % 4 == 0 {
                withLogins.loginMs[.init(slot: slot.id, server: server)] = Double(300 + rng.next() % 3_000)
            }
        }
        print("by load: \(withLogins.loginMs.count) measured (slot, server) logins, login gain \(withLogins.loginGain)")
        var full: PlacementResult?
        let fullTimes = try (0..<runs).map { _ in
            try Self.time { full = try Placement.place(slots: fleet, accounts: weighed, options: withLogins) }
        }
        guard let full else { return }
        print("full placement      \(Self.summary(fullTimes))  (by load)")
        print("  \(Self.loadSummary(full))")
        let placed = weighed.map { account in
            var account = account
            account.current = full.assignments[account.id]
            return account
        }
        var last: PlacementResult?
        let incrementalTimes = try deaths.map { dead in
            try Self.time {
                last = try Placement.reassign(orphansOf: fleet[dead].id, slots: fleet, accounts: placed, options: withLogins)
            }
        }
        print("one slot dies       \(Self.summary(incrementalTimes))  (reassign, by load)")
        if let last { print("  \(Self.loadSummary(last))") }
        // A hundred newcomers against the per-slot sums, as klarod's newcomer path.
        var sums: [SlotID: SlotLoad] = [:]
        for account in placed { if let slot = account.current {
            sums[slot, default: SlotLoad(accounts: 0, load: 0)].accounts += 1
            sums[slot, default: SlotLoad(accounts: 0, load: 0)].load += account.load
        } }
        let newcomers = (0..<100).map { _ in
            PlacementAccount(id: Self.uuid(using: &rng), server: population.first?.server, load: median / 900)
        }
        let newcomerTimes = try (0..<runs).map { _ in
            try Self.time { _ = try Placement.placeNewcomers(newcomers, placed: sums, slots: fleet, options: withLogins) }
        }
        print("100 newcomers       \(Self.summary(newcomerTimes))  (by load)")
        // A drift: 3 % of the accounts start trading (moving, at the same sync time), then load
        // relief as klarod runs it, with the default hour's budget.
        var drifted = placed
        for i in drifted.indices where i % 33 == 0 && classes[i % classes.count] != .moving {
            drifted[i].load = PlacementWork.load(
                averageSyncMs: times[i], defaultSeconds: median, syncClass: .moving, plan: nil, policy: .standard, stretch: [:])
        }
        var relief: PlacementResult?
        let reliefOptions = PlacementOptions(epsilon: Placement.reliefEpsilon(placement: options.epsilon))
        let reliefTimes = try (0..<runs).map { _ in
            try Self.time {
                relief = try Placement.relieve(
                    slots: fleet, accounts: drifted, options: reliefOptions, maxMoves: Placement.defaultLoadMovesPerHour)
            }
        }
        guard let relief else { return }
        let before = try Placement.relieve(slots: fleet, accounts: drifted, options: reliefOptions, maxMoves: 0)
        print("load relief         \(Self.summary(reliefTimes))  (\(relief.moves.count) moves after 3 % of the accounts "
              + "turned moving; max load ÷ bound \(String(format: "%.2f", before.maxLoadRatio)) -> \(String(format: "%.2f", relief.maxLoadRatio)))")
    }

    // MARK: - Helpers

    private static func time(_ body: () throws -> Void) throws -> Duration {
        let start = ContinuousClock.now
        try body()
        return ContinuousClock.now - start
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.1f ms", Double(seconds) * 1e3 + Double(attoseconds) / 1e15)
    }

    private static func summary(_ times: [Duration]) -> String {
        let sorted = times.sorted()
        return "min \(milliseconds(sorted[0]))  median \(milliseconds(sorted[sorted.count / 2]))  "
            + "max \(milliseconds(sorted[sorted.count - 1]))"
    }

    private static func loadSummary(_ result: PlacementResult) -> String {
        let ratio = { (slot: SlotID) in (result.work[slot] ?? 0) / max(1e-12, result.workBounds[slot] ?? 0) }
        guard let worst = result.workBounds.keys.max(by: { ratio($0) < ratio($1) }) else { return "no active slot" }
        let counts = result.capacities.keys.map { result.loads[$0] ?? 0 }
        return "max load vs bound: \(String(format: "%.4g", result.work[worst] ?? 0)) / "
            + "\(String(format: "%.4g", result.workBounds[worst] ?? 0)) on \(worst) "
            + "(ratio \(String(format: "%.3f", result.maxLoadRatio))), accounts per slot "
            + "\(counts.min() ?? 0)–\(counts.max() ?? 0), unplaced \(result.unplaced.count)"
    }

    private static func uuid(using rng: inout SplitMix64) -> UUID {
        let high = rng.next()
        let low = rng.next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 {
            bytes[i] = UInt8(truncatingIfNeeded: high >> (56 - 8 * UInt64(i)))
            bytes[8 + i] = UInt8(truncatingIfNeeded: low >> (56 - 8 * UInt64(i)))
        }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}
