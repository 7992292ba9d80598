import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing

/// The dispatch statement takes a slot's due accounts in `RefillOrder.dispatch` order (issue 13):
/// refill windows oldest first, within one the longest average sync first.
@Suite("Sync pipeline: dispatch order against PostgreSQL")
struct DispatchOrderQueryTests {
    /// An approved host `h1` with one live slot, and `count` new accounts on it (due now).
    func accountsOnOneSlot(_ pool: PostgresPool, count: Int) async throws -> [UUID] {
        try await insertHost(pool, "h1", slots: 1)
        let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "order")))
        let ids = try await TestFleet.createAccounts(pool, vault: vault, count: count)
        try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1")
        return ids
    }

    @Test("one slot, one place a tick: an earlier window first, then longest first within a window; never one not yet due")
    func longestFirstWithinTheWindow() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await accountsOnOneSlot(pool, count: 6)
            // The last whole 30 s window before now, so that every time below is in the past.
            let now = try await pool.query("SELECT extract(epoch FROM now())::float8")[0].double(0)
            let window = ((now / 30).rounded(.down) - 1) * 30
            let plan: [(due: Double, averageMs: Int?)] = [
                (window + 1, 2_000),      // 0: oldest of the window, short
                (window + 20, 9_000),     // 1: longest of the window
                (window + 10, nil),       // 2: unmeasured: counts 5 s
                (window - 60, 100),       // 3: an earlier window: first however short
                (now + 60, 99_000),       // 4: not due yet
                (window + 25, 5_000),     // 5: ties with 2 at 5 s: the older due first
            ]
            for (id, entry) in zip(ids, plan) {
                try await pool.execute(
                    "UPDATE account_schedule SET next_sync_at = to_timestamp($2::float8), avg_sync_ms = $3 WHERE account_id = $1",
                    [id, entry.due, entry.averageMs])
            }
            var order: [UUID] = []
            while true {
                let rows = try await pool.transaction { connection in
                    try DispatchQuery.run(connection, queueDepth: 1, deadlineSeconds: 60)
                }
                guard let row = rows.first else { break }
                #expect(rows.count == 1)
                order.append(row.accountID)
                // The job ends; the account is due again tomorrow.
                try await pool.execute("""
                    UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                           inflight_host = NULL, inflight_slot = NULL, next_sync_at = now() + interval '1 day' WHERE account_id = $1
                    """, [row.accountID])
            }
            #expect(order == [ids[3], ids[1], ids[2], ids[5], ids[0]])
            // The same order as the rule in KlaroCore.
            let pending = zip(ids, plan).filter { $0.1.due <= now }.map { id, entry in
                PendingSync(account: id, due: Date(timeIntervalSince1970: entry.due),
                            expectedSeconds: Double(entry.averageMs ?? 5_000) / 1000)
            }
            #expect(RefillOrder.dispatch(pending, window: RefillOrder.defaultWindow).map(\.account) == order)
            await pool.close()
        }
    }

    @Test("by staleness deadline (migration 0016): the statement takes a slot's due accounts in RefillOrder.dispatch order, at the default refill window (index-held) and another (KLARO_REFILL_WINDOW_SECONDS)",
          arguments: [RefillOrder.defaultWindow, 10])
    func byStalenessDeadline(window: TimeInterval) async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await accountsOnOneSlot(pool, count: 9)
            let now = try await pool.query("SELECT extract(epoch FROM now())::float8")[0].double(0)
            // Due times minutes in the past; some ranks later than now + 60 s (the statement's
            // second part).
            let base = ((now / 30).rounded(.down) - 10) * 30
            let plan: [(due: Double, deadline: Double?, averageMs: Int?)] = [
                (base + 200, base + 230, 2_000),       // 0: moving with time to spare: ranks 30 s after its due time
                (base + 200, base + 115, 9_500),       // 1: quiet, deadline before due: ranks 85 s early
                (base + 120, nil, 9_000),              // 2: never synced: its due time
                (base + 100, base + 5_000, 20_000),    // 3: dormant, an hour to spare: ranks last
                (base + 150, base - 9_000, 1_000),     // 4: retrying, deadline long past: 300 s early at most
                (base + 125, base + 126, nil),         // 5: unmeasured, counts 5 s
                (now + 120, now - 30, 50_000),         // 6: deadline passed but not due yet: never taken
                (base + 110, base + 100, 9_000),       // 7: same window as 2 and 8, same sync time as 2
                (base + 119, base + 119, 9_000),       // 8
            ]
            for (id, entry) in zip(ids, plan) {
                try await pool.execute("""
                    UPDATE account_schedule SET next_sync_at = to_timestamp($2::float8),
                           staleness_deadline = to_timestamp($3::float8), avg_sync_ms = $4 WHERE account_id = $1
                    """, [id, entry.due, entry.deadline, entry.averageMs])
            }
            var order: [UUID] = []
            while true {
                let rows = try await pool.transaction {
                    try DispatchQuery.run($0, queueDepth: 1, deadlineSeconds: 60, refillWindow: window)
                }
                guard let row = rows.first else { break }
                order.append(row.accountID)
                try await pool.execute("""
                    UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                           inflight_host = NULL, inflight_slot = NULL, next_sync_at = now() + interval '1 day' WHERE account_id = $1
                    """, [row.accountID])
            }
            let pending = zip(ids, plan).filter { $0.1.due <= now }.map { id, entry in
                PendingSync(account: id, due: Date(timeIntervalSince1970: entry.due),
                            expectedSeconds: Double(entry.averageMs ?? 5_000) / 1000,
                            deadline: entry.deadline.map { Date(timeIntervalSince1970: $0) })
            }
            let expected = RefillOrder.dispatch(pending, window: window).map(\.account)
            #expect(order == expected)
            if window == 30 {
                // Worked by hand: ranks in s from base (window): 4 → −150 (−5); 1 → 115 (9.5 s), 7 → 100,
                // 8 → 119 (3: the longest first, then the earlier rank); 2 → 120, 5 → 126 (4); 0 → 230 (7);
                // 3 → 5,000.
                #expect(order == [ids[4], ids[1], ids[7], ids[8], ids[2], ids[5], ids[0], ids[3]])
            } else {
                // 10 s windows: 7 (100) is alone in its window, so it goes before 1 (115), however long.
                #expect(order == [ids[4], ids[7], ids[1], ids[8], ids[2], ids[5], ids[0], ids[3]])
            }
            #expect(!order.contains(ids[6]))
            await pool.close()
        }
    }

    @Test("a dispatched row meets no index predicate but its key's and the in-flight one's (migration 0019); the readers still count it")
    func dispatchWritesFewIndexEntries() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            _ = try await accountsOnOneSlot(pool, count: 3)
            // Synced accounts (the usual case): one an hour ago, measured at 4 s, moving.
            try await pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() - interval '1 hour'")
            try await pool.execute("UPDATE account_schedule SET sync_class = 'moving', avg_sync_ms = 4000")
            let rows = try await pool.transaction { try DispatchQuery.run($0, queueDepth: 2, deadlineSeconds: 60) }
            #expect(rows.count == 2)
            // Every partial index's predicate, evaluated on the rows in flight: only the
            // in-flight index holds them (and the primary key, which has no predicate), so a
            // dispatch writes two index entries a row.
            let predicates = try await pool.query("""
                SELECT c.relname, pg_get_expr(i.indpred, i.indrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
                WHERE i.indrelid = 'account_schedule'::regclass ORDER BY 1
                """).map { (try $0.string(0), $0.stringOrNil(1)) }
            #expect(predicates.count >= 6)
            var holding: [String] = []
            for (name, predicate) in predicates {
                let matching = try await pool.query(
                    "SELECT count(*) FROM account_schedule WHERE inflight_job_id IS NOT NULL AND (\(predicate ?? "true"))")[0].int(0)
                if matching > 0 { holding.append(name) }
            }
            #expect(holding == ["account_schedule_inflight", "account_schedule_pkey"])
            // The gauges and the policy's load still count the accounts in flight.
            let snapshot = try await pool.withConnection { try StatusReporter.read($0, settings: SyncSettings(interval: 900)) }
            #expect(snapshot.inFlight == 2)
            #expect(snapshot.stale == 3)  // an hour without a success, stale after 30 minutes
            #expect(abs((snapshot.oldestSuccessAge ?? 0) - 3600) < 60)
            let loads = try await pool.withConnection { try CapacityQuery.loads($0) }
            #expect(loads.map(\.accounts) == [3] && loads.first?.syncClass == .moving)
            #expect(abs((loads.first?.meanSyncSeconds ?? 0) - 4) < 1e-9)
            await pool.close()
        }
    }

    @Test("a resting row meets account_schedule_slot_due only when its deadline is more than 60 s after its due time, the only due rows the second part reads (migration 0025)")
    func laterDueIndexHoldsOnlyLateRanks() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await accountsOnOneSlot(pool, count: 4)
            // Never synced (no deadline: placed imports), a deadline before the due time (quiet),
            // 30 s after it (aimed early by its sync time), 2,000 s after it (a manual sync).
            for (id, lead) in zip(ids, [nil, -90, 30, 2_000] as [Int?]) {
                try await pool.execute("""
                    UPDATE account_schedule SET next_sync_at = now() - interval '1 minute',
                           staleness_deadline = now() - interval '1 minute' + make_interval(secs => $2::float8) WHERE account_id = $1
                    """, [id, lead])
            }
            let predicate = try await pool.query("""
                SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
                WHERE i.indexrelid = 'account_schedule_slot_due'::regclass
                """)[0].string(0)
            let held = try await pool.query("SELECT account_id FROM account_schedule WHERE \(predicate)").map { try $0.uuid(0) }
            #expect(held == [ids[3]])
            // All four are due; the statement takes each, the last through that index.
            let rows = try await pool.transaction { try DispatchQuery.run($0, queueDepth: 4, deadlineSeconds: 60) }
            #expect(Set(rows.map(\.accountID)) == Set(ids))
            await pool.close()
        }
    }

    @Test("a run names an account that exists and goes with it (migrations 0013, 0023)")
    func runsGoWithTheirAccount() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await accountsOnOneSlot(pool, count: 4)
            let rows = try await pool.transaction { try DispatchQuery.run($0, queueDepth: 4, deadlineSeconds: 60) }
            #expect(rows.count == 4)
            #expect(try await pool.query("SELECT count(*) FROM sync_runs")[0].int(0) == 4)
            try await pool.execute("DELETE FROM user_mt5_accounts WHERE id = $1", [ids[0]])
            try await pool.execute("DELETE FROM user_mt5_accounts WHERE id = ANY($1)", [[ids[1], ids[2]]])
            #expect(try await pool.query("SELECT account_id FROM sync_runs").map { try $0.uuid(0) } == [ids[3]])
            // A run for no account is refused, alone or among runs for accounts that exist.
            for accounts in [[UUID()], [ids[3], UUID(), ids[3]]] {
                await #expect(throws: (any Error).self) {
                    try await pool.execute("""
                        INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, enqueued_at, deadline)
                        SELECT gen_random_uuid(), a, 'h1', 1, 1, 1, now(), now() FROM unnest($1::uuid[]) a
                        """, [accounts])
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM sync_runs")[0].int(0) == 1)
            // A run keeps its account; other columns still change.
            await #expect(throws: (any Error).self) {
                try await pool.execute("UPDATE sync_runs SET account_id = $1", [ids[0]])
            }
            try await pool.execute("UPDATE sync_runs SET account_id = account_id, attempt = 2")
            #expect(try await pool.query("SELECT attempt FROM sync_runs")[0].int(0) == 2)
            await pool.close()
        }
    }
}
