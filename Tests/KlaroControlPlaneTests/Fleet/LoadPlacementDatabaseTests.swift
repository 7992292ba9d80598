import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Testing
@testable import KlaroControlPlane

/// klarod places by load (issue 13): an account weighs its average sync time ÷ its interval,
/// every slot's bound is in that load, and an account prefers a slot that logs into its broker
/// server faster while that slot has room. Against the real PostgreSQL.
@Suite("Placement by load")
struct LoadPlacementDatabaseTests {
    /// The quiet target with ``adminSettings()``: every account here is quiet.
    static let interval = 900.0

    /// Inserts active accounts with the given average sync times (nil: never measured) on
    /// `server`, optionally already assigned to a slot; returns their ids in order.
    @discardableResult
    func insertAccounts(
        _ pool: PostgresPool, syncMs: [Int?], server: String = "Demo-Server", on slot: SlotID? = nil
    ) async throws -> [UUID] {
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "l-\(user)@example.com"])
        let ids = syncMs.map { _ in UUID() }
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server)
            SELECT u.id, $1, (random() * 1e9)::bigint, 'v1:test:sealed', $3
            FROM unnest($2::uuid[]) AS u(id)
            """, [user, ids, server])
        try await pool.execute("""
            UPDATE account_schedule s SET avg_sync_ms = u.ms, sync_class = 'quiet', assigned_host = $3, assigned_slot = $4
            FROM unnest($1::uuid[], $2::int[]) AS u(id, ms) WHERE s.account_id = u.id
            """, [ids, syncMs, slot?.host, slot?.index])
        return ids
    }

    func withPlacer(_ body: (PostgresPool, AccountPlacer) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 2)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics
            let placer = AccountPlacer(pool: pool, settings: adminSettings(), metrics: metrics, logger: Logger(label: "test"))
            try await body(pool, placer)
            await pool.close()
        }
    }

    /// Per slot: its accounts and their load (sync seconds ÷ interval; unmeasured: `unmeasured` s).
    func slotLoads(_ pool: PostgresPool, unmeasured: Double = 1) async throws -> [SlotID: (accounts: Int, load: Double)] {
        var loads: [SlotID: (accounts: Int, load: Double)] = [:]
        for row in try await pool.query("""
            SELECT assigned_host, assigned_slot, avg_sync_ms FROM account_schedule WHERE assigned_host IS NOT NULL
            """) {
            let slot = SlotID(host: try row.string(0), index: try row.int(1))
            let seconds = try row.intOrNil(2).map { Double($0) / 1000 } ?? unmeasured
            var entry = loads[slot] ?? (0, 0)
            entry.accounts += 1
            entry.load += seconds / Self.interval
            loads[slot] = entry
        }
        return loads
    }

    /// The bound of every slot of equal weight: ceil((1+ε)·N/S) accounts of the mean load.
    func bound(accounts: Int, totalLoad: Double, slots: Int, epsilon: Double = 0.25) -> Double {
        Double(Placement.capacity(accounts: accounts, weight: 1, totalWeight: Double(slots), epsilon: epsilon))
            * totalLoad / Double(accounts)
    }

    func slot(of pool: PostgresPool, _ id: UUID) async throws -> SlotID? {
        let row = try await pool.query("SELECT assigned_host, assigned_slot FROM account_schedule WHERE account_id = $1", [id])[0]
        guard let host = row.stringOrNil(0), let index = try row.intOrNil(1) else { return nil }
        return SlotID(host: host, index: index)
    }

    @Test("a slow account takes a slot's worth of load: no slot passes its bound, and the counts differ")
    func slowAccountsSpreadByLoad() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "h1", slots: 2)
            let slow = try await insertAccounts(pool, syncMs: [60_000])[0]
            try await insertAccounts(pool, syncMs: Array(repeating: 1_000, count: 40))
            let run = try #require(try await placer.placeIfNeeded())
            #expect(run.moves.count == 41 && run.result.unplaced.isEmpty)

            let loads = try await slotLoads(pool)
            let total = loads.values.reduce(0) { $0 + $1.load }
            let bound = bound(accounts: 41, totalLoad: total, slots: 2)
            for (slot, entry) in loads { #expect(entry.load <= bound + 1e-9, "\(slot): \(entry.load) > \(bound)") }
            // By count each slot would take 20 or 21 (at most 26): the slow account's slot
            // holds it and at most 3 others, the other slot everyone else.
            let slowSlot = try #require(try await slot(of: pool, slow))
            #expect(try #require(loads[slowSlot]).accounts <= 4, "\(loads)")
            #expect(loads.values.map(\.accounts).max()! >= 37, "\(loads)")
            // Placing again keeps every assignment.
            #expect(try await placer.placeNow().moves.isEmpty)
        }
    }

    @Test("a newcomer goes to the slot with the most load room, not the one with the fewest accounts")
    func newcomerToLightestSlot() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "h1", slots: 2)
            let heavySlot = SlotID(host: "h1", index: 1), lightSlot = SlotID(host: "h1", index: 2)
            try await insertAccounts(pool, syncMs: [60_000, 1_000, 1_000], on: heavySlot)
            try await insertAccounts(pool, syncMs: Array(repeating: 1_000, count: 10), on: lightSlot)
            // The first run keeps everyone where they are (an automatic run holds over-capacity moves back).
            let first = try #require(try await placer.placeIfNeeded())
            #expect(first.moves.isEmpty)

            // Unmeasured: it weighs the fleet's median sync time (1 s).
            let newcomer = try await insertAccounts(pool, syncMs: [nil])[0]
            let run = try #require(try await placer.placeIfNeeded())
            #expect(run.newcomers, "the newcomer path, not a full placement")
            #expect(run.moves.map(\.account) == [newcomer])
            // 3 accounts against 10, but 62 s of syncs against 10 s per interval.
            #expect(try await slot(of: pool, newcomer) == lightSlot)
            #expect(run.result.work[lightSlot]! < run.result.work[heavySlot]!)
        }
    }

    /// Writes finished successful runs of `account` with the given login times per slot.
    func insertRuns(_ pool: PostgresPool, account: UUID, logins: [SlotID: Int]) async throws {
        for (slot, ms) in logins {
            for _ in 0..<3 {
                try await pool.execute("""
                    INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, state, outcome,
                                           enqueued_at, deadline, started_at, finished_at, duration_ms, login_ms, fetch_ms)
                    VALUES ($1, $2, $3, $4, 1, 1, 'finished', 'ok', now() - interval '10 minutes', now(),
                            now() - interval '9 minutes', now() - interval '9 minutes', $5 + 500, $5, 500)
                    """, [UUID(), account, slot.host, slot.index, ms])
            }
        }
    }

    @Test("an account prefers the slot that logs into its server faster while it has room, not past its bound")
    func loginAffinityWithinTheBound() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "h1", slots: 4)
            let slots = (1...4).map { SlotID(host: "h1", index: $0) }
            // The others are lighter: placed heaviest first, the account always finds room.
            try await insertAccounts(pool, syncMs: Array(repeating: 500, count: 20), server: "Other-Server")
            let account = try await insertAccounts(pool, syncMs: [1_000], server: "Fast-Broker")[0]
            _ = try await placer.placeNow()
            let chosen = try #require(try await slot(of: pool, account))

            // Another slot logged into Fast-Broker in 300 ms, the rest (the chosen one too) in 2 s.
            let faster = try #require(slots.first { $0 != chosen })
            try await insertRuns(pool, account: account, logins: Dictionary(uniqueKeysWithValues: slots.map {
                ($0, $0 == faster ? 300 : 2_000)
            }))
            placer.forgetLoginTimes()
            let run = try await placer.rebalance(mode: .rebalance, dryRun: false)
            #expect(run.result.assignments[account] == faster)
            #expect(try await slot(of: pool, account) == faster)
            #expect(run.result.maxLoadRatio <= 1 + 1e-9)

            // A pinned slow account fills the faster slot past its bound: the account goes elsewhere.
            let heavy = try await insertAccounts(pool, syncMs: [120_000], server: "Other-Server")[0]
            try await pool.execute("UPDATE user_mt5_accounts SET pinned_host = $1, pinned_slot = $2 WHERE id = $3",
                                   [faster.host, faster.index, heavy])
            let full = try await placer.rebalance(mode: .rebalance, dryRun: false)
            #expect(full.result.assignments[heavy] == faster)
            #expect(full.result.work[faster]! > full.result.workBounds[faster]!)
            #expect(full.result.assignments[account] != faster)
            #expect(try await slot(of: pool, account) != faster)
        }
    }

    @Test("a slot added and rebalanced takes about its fair share of the load; an automatic run moves nothing")
    func stableWhenASlotJoins() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "h1", slots: 4)
            var rng = SplitMix64(seed: 13)
            let times = (0..<400).map { _ in 1_000 + Int(rng.next() % 19_000) }
            let ids = try await insertAccounts(pool, syncMs: times)
            let load = Dictionary(uniqueKeysWithValues: zip(ids, times.map { Double($0) / 1000 / Self.interval }))
            let total = load.values.reduce(0, +)
            _ = try await placer.placeIfNeeded()

            try await insertHost(pool, "h2", slots: 1)
            let automatic = try #require(try await placer.placeIfNeeded())
            #expect(automatic.moves.isEmpty, "a joining slot pulls no account by itself")

            let run = try await placer.rebalance(mode: .rebalance, dryRun: false)
            let moved = run.result.relocations.reduce(0) { $0 + load[$1.account]! }
            let share = total / 5
            // Rendezvous moves about the new slot's share (plus what the load bound shifts).
            #expect(moved >= 0.5 * share && moved <= 1.6 * share, "moved \(moved / share) × the fair share")
            let joined = SlotID(host: "h2", index: 1)
            let onJoined = run.result.relocations.filter { $0.to == joined }.reduce(0) { $0 + load[$1.account]! }
            #expect(onJoined >= 0.5 * share && onJoined <= run.result.workBounds[joined]! + 1e-9)
            let heaviest = load.values.max()!
            for (slot, work) in run.result.work where run.result.workBounds[slot] != nil {
                #expect(work <= run.result.workBounds[slot]! + heaviest)
            }
        }
    }
}
