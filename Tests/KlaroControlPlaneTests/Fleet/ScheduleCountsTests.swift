import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

/// The readers migration 0024 rewrote (`ScheduleCounts`, the policy's staleness percentiles and
/// class loads) against a direct count over the table, on a mixed fleet: every class, measured
/// and not, synced and never, stale and fresh, due and not, in flight (one of them unplaced),
/// unplaced, paused, switched off and parked.
@Suite("Status: the schedule's counts equal a direct count over the table")
struct ScheduleCountsTests {
    /// `count` accounts spread over two hosts' six slots, their attributes cycling with
    /// different periods so that every combination occurs.
    static func seed(_ pool: PostgresPool, count: Int = 600) async throws {
        try await insertHost(pool, "h1", slots: 4)
        try await insertHost(pool, "h2", slots: 2)
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "c-\(user)@example.com"])
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, created_at, last_success_at,
                                           status, is_active)
            SELECT gen_random_uuid(), $1, 7000000 + i, 'v1:test:sealed', 'Demo-Server',
                   now() - make_interval(secs => (i * 53) % 20000),
                   CASE WHEN i % 9 = 0 THEN NULL ELSE now() - make_interval(secs => (i * 37) % 7200) END,
                   CASE WHEN i % 17 = 0 THEN 'paused' WHEN i % 23 = 0 THEN 'auth_failed' ELSE 'active' END,
                   i % 29 <> 0
            FROM generate_series(1, $2) AS i
            """, [user, count])
        try await pool.execute("""
            WITH n AS (SELECT account_id, row_number() OVER (ORDER BY a.mt5_login) AS i
                       FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id)
            UPDATE account_schedule s
            SET sync_class = (ARRAY['moving', 'quiet', 'dormant'])[n.i % 3 + 1],
                avg_sync_ms = CASE WHEN n.i % 10 = 0 THEN NULL ELSE 1000 + (n.i * 97) % 9000 END,
                next_sync_at = now() + make_interval(secs => (n.i * 31) % 1200 - 600),
                -- None, before the due time, just after it, and well after it (a manual sync:
                -- due now, ranking by a deadline minutes away, read from the second index).
                staleness_deadline = now() + make_interval(secs => (n.i * 31) % 1200 - 600)
                                     + (ARRAY[NULL, interval '-90 seconds', interval '30 seconds', interval '2000 seconds'])[n.i % 4 + 1],
                assigned_host = CASE WHEN n.i % 13 = 0 OR NOT (s.status = 'active' AND s.is_active) THEN NULL
                                     WHEN n.i % 6 < 4 THEN 'h1' ELSE 'h2' END,
                assigned_slot = CASE WHEN n.i % 13 = 0 OR NOT (s.status = 'active' AND s.is_active) THEN NULL
                                     WHEN n.i % 6 < 4 THEN n.i % 6 + 1 ELSE n.i % 6 - 3 END
            FROM n WHERE n.account_id = s.account_id
            """)
        // In flight: every seventh account, placed or not (a slot unassigned while its job runs).
        try await pool.execute("""
            UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now(),
                   inflight_deadline = now() + interval '1 minute', inflight_host = 'h1', inflight_slot = 1
            WHERE account_id IN (SELECT s.account_id FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id
                                 WHERE a.mt5_login % 7 = 0)
            """)
        try await pool.execute("VACUUM ANALYZE account_schedule")
    }

    @Test("freshness, due, unplaced and in flight: equal to a direct count in the same transaction")
    func countsEqualDirectCounts() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            try await Self.seed(pool)
            for staleAfter in [600.0, 3_600.0, 100_000.0] {
                let (counts, direct) = try await pool.transaction { connection in
                    // now() is the transaction's: both reads see the same clock.
                    let freshness = try ScheduleCounts.freshness(connection, staleAfter: staleAfter)
                    let due = try ScheduleCounts.dueAndWaiting(connection)
                    let unplaced = try ScheduleCounts.unplaced(connection)
                    let row = try connection.query("""
                        SELECT count(*) FILTER (WHERE coalesce(last_success_at, created_at) < now() - make_interval(secs => $1::float8)),
                               coalesce(extract(epoch FROM now() - least(min(last_success_at),
                                                                         min(created_at) FILTER (WHERE last_success_at IS NULL))), 0),
                               extract(epoch FROM now() - min(last_success_at)),
                               count(*) FILTER (WHERE last_success_at IS NULL),
                               count(*) FILTER (WHERE inflight_job_id IS NOT NULL),
                               count(*) FILTER (WHERE inflight_job_id IS NULL AND next_sync_at <= now()),
                               count(*) FILTER (WHERE assigned_host IS NULL)
                        FROM account_schedule WHERE status = 'active' AND is_active
                        """, [staleAfter])[0]
                    let expected = ScheduleCounts.Freshness(
                        stale: try row.int(0), oldestAge: try row.double(1), oldestSuccessAge: try row.doubleOrNil(2),
                        neverSynced: try row.int(3), inFlight: try row.int(4))
                    return ((freshness, due, unplaced), (expected, try row.int(5), try row.int(6)))
                }
                #expect(counts.0 == direct.0, "stale after \(staleAfter) s")
                #expect(counts.1 == direct.1)
                #expect(counts.2 == direct.2)
            }
            // The fleet covers what the counts tell apart.
            let cases = try await pool.query("""
                SELECT count(*) FILTER (WHERE inflight_job_id IS NOT NULL AND assigned_host IS NULL),
                       count(*) FILTER (WHERE inflight_job_id IS NOT NULL AND last_success_at IS NULL),
                       count(*) FILTER (WHERE inflight_job_id IS NULL AND assigned_host IS NULL AND next_sync_at <= now()),
                       count(*) FILTER (WHERE inflight_job_id IS NULL AND assigned_host IS NOT NULL AND next_sync_at <= now()),
                       count(*) FILTER (WHERE inflight_job_id IS NULL AND assigned_host IS NOT NULL AND next_sync_at <= now()
                                          AND staleness_deadline > now() + interval '90 seconds'),
                       count(*) FILTER (WHERE inflight_job_id IS NULL AND assigned_host IS NOT NULL AND next_sync_at <= now()
                                          AND staleness_deadline < next_sync_at)
                FROM account_schedule WHERE status = 'active' AND is_active
                """)[0]
            for column in 0..<6 { #expect(try cases.int(column) > 0, "case \(column)") }
            // Paused, parked and switched-off accounts are in none of the counts.
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused'")
            let none = try await pool.withConnection { connection in
                (try ScheduleCounts.freshness(connection, staleAfter: 600), try ScheduleCounts.dueAndWaiting(connection),
                 try ScheduleCounts.unplaced(connection))
            }
            #expect(none.0 == ScheduleCounts.Freshness() && none.1 == 0 && none.2 == 0)
            await pool.close()
        }
    }

    @Test("the policy's staleness percentiles and class loads: equal to a grouping over the table")
    func policyReadsEqualDirectGrouping() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            try await Self.seed(pool)
            let (percentiles, direct, loads, directLoads) = try await pool.transaction { connection in
                let percentiles = try connection.query(SyncPolicyController.stalenessSQL, [SyncClass.allCases.map(\.rawValue)])
                    .map { "\(try $0.string(0)) \(try $0.double(1)) \(try $0.double(2))" }.sorted()
                let direct = try connection.query("""
                    SELECT sync_class,
                           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM now() - coalesce(last_success_at, created_at))),
                           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM now() - coalesce(last_success_at, created_at)))
                    FROM account_schedule WHERE status = 'active' AND is_active GROUP BY 1
                    """).map { "\(try $0.string(0)) \(try $0.double(1)) \(try $0.double(2))" }.sorted()
                let loads = try CapacityQuery.loads(connection).map { "\($0.syncClass) \($0.accounts) \($0.meanSyncSeconds)" }
                let directLoads = try connection.query("""
                    SELECT sync_class, count(*), coalesce(avg(avg_sync_ms) / 1000.0, $1)
                    FROM account_schedule WHERE status = 'active' AND is_active GROUP BY 1 ORDER BY 1
                    """, [SyncProfile.unmeasuredSyncSeconds]).map { row in
                        "\(SyncClass(rawValue: try row.string(0))!) \(try row.int(1)) \(try row.double(2))"
                    }
                return (percentiles, direct, loads, directLoads)
            }
            #expect(percentiles.count == 3)
            #expect(percentiles == direct)
            #expect(loads.sorted() == directLoads.sorted())
            await pool.close()
        }
    }

    /// At 100,000 accounts the planner takes these paths by itself (`ops/bench schedule
    /// --reader-costs`); on a test-sized table it may rightly prefer a sequential read, so here
    /// the sessions forbid one wherever another path exists: each read must have one.
    @Test("the gauges' and the policy's rounds have a path that reads no schedule row sequentially")
    func noSequentialRead() async throws {
        try await withTestDatabase { database in
            let seeding = database.pool()
            try await Self.seed(seeding, count: 3_000)
            _ = try await seeding.query("SELECT current_database()")
            try await seeding.execute("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database()); END $$")
            await seeding.close()
            let pool = database.pool(size: 1)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let settings = SyncSettings(staleAfter: 3_600)
            let controller = SyncPolicyController(
                pool: pool, leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: settings, metrics: metrics, logger: TestServices.logger())
            let reporter = StatusReporter(pool: pool, settings: settings, metrics: metrics, logger: TestServices.logger())
            func seqTuplesRead() async throws -> Int {
                _ = try await pool.query("SELECT pg_stat_force_next_flush()")
                return try await pool.withConnection { connection in
                    _ = try connection.query("SELECT pg_stat_clear_snapshot()")
                    return try connection.query(
                        "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = 'account_schedule'")[0].int(0)
                }
            }
            let before = try await seqTuplesRead()
            try await controller.adapt()
            try await reporter.report()
            _ = try await pool.withConnection { try StatusReporter.read($0, settings: settings) }
            #expect(try await seqTuplesRead() == before)
            await pool.close()
        }
    }
}
