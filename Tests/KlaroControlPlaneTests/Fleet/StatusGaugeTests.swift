import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Testing

@Suite("Fleet: status gauges")
struct StatusGaugeTests {
    /// A hand-made fleet, one account per case the gauges tell apart.
    private static let vault = try! CredentialVault(keyRing: KeyRing.parse(KeyRing.generateEntry(id: "gauges")))

    private static func seed(_ pool: PostgresPool) async throws -> [UUID] {
        let vault = Self.vault
        try await pool.execute("INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', 'k', 'k')")
        try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
        let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 9)
        // 0 fresh; 1 stale (last success 3 days ago); 2 never synced, created 4 days ago (stale);
        // 3 never synced, new; 4 in flight; 5 unplaced; 6 paused; 7 switched off; 8 parked.
        try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1 WHERE account_id = ANY($1::uuid[])",
                               [Array(ids[0...4])])
        try await pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() - interval '1 minute' WHERE id = ANY($1::uuid[])",
                               [[ids[0], ids[4], ids[5]]])
        try await pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() - interval '3 days' WHERE id = $1", [ids[1]])
        try await pool.execute("UPDATE user_mt5_accounts SET created_at = now() - interval '4 days' WHERE id = $1", [ids[2]])
        try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = $1", [ids[6]])
        try await pool.execute("UPDATE user_mt5_accounts SET is_active = false WHERE id = $1", [ids[7]])
        try await pool.execute("UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = $1", [ids[8]])
        try await pool.execute("UPDATE account_schedule SET next_sync_at = now() + interval '10 minutes' WHERE account_id = ANY($1::uuid[])",
                               [[ids[0], ids[1], ids[5]]])
        try await pool.execute("""
            UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now(),
                   inflight_deadline = now() + interval '1 minute', inflight_host = 'h1', inflight_slot = 1
            WHERE account_id = $1
            """, [ids[4]])
        return ids
    }

    @Test("the gauges count a hand-made fleet right: statuses, stale, never synced, in flight, due, unplaced")
    func values() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await Self.seed(pool)
            let settings = SyncSettings(staleAfter: 3_600)
            var snapshot = try await pool.withConnection { try StatusReporter.read($0, settings: settings) }
            #expect(snapshot.accounts == ["active": 7, "paused": 1, "auth_failed": 1])
            #expect(snapshot.active == 6)
            #expect(snapshot.stale == 2)
            #expect(snapshot.neverSynced == 2)
            #expect(snapshot.inFlight == 1)
            #expect(snapshot.due == 2)
            #expect(snapshot.unplaced == 1)
            #expect(abs(snapshot.oldestAge - 4 * 86_400) < 120)
            #expect(abs((snapshot.oldestSuccessAge ?? 0) - 3 * 86_400) < 120)

            // The counts follow status changes and deletions.
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'active' WHERE id = $1", [ids[6]])
            try await pool.execute("DELETE FROM user_mt5_accounts WHERE id = $1", [ids[8]])
            snapshot = try await pool.withConnection { try StatusReporter.read($0, settings: settings) }
            #expect(snapshot.accounts == ["active": 8])
            #expect(snapshot.active == 7)
            #expect(snapshot.neverSynced == 3)
            await pool.close()
        }
    }

    @Test("a report reads no account row sequentially")
    func noWideScan() async throws {
        try await withTestDatabase { database in
            // One backend, so that its statistics are the ones flushed below.
            let pool = database.pool(size: 1)
            _ = try await Self.seed(pool)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let reporter = StatusReporter(pool: pool, settings: SyncSettings(staleAfter: 3_600), metrics: metrics,
                                          logger: TestServices.logger())
            // The backend flushes its statistics when it goes idle, then they are read afresh.
            func seqTuplesRead(_ table: String = "user_mt5_accounts") async throws -> Int {
                _ = try await pool.query("SELECT pg_stat_force_next_flush()")
                return try await pool.withConnection { connection in
                    _ = try connection.query("SELECT pg_stat_clear_snapshot()")
                    return try connection.query(
                        "SELECT seq_tup_read FROM pg_stat_user_tables WHERE relname = $1", [table])[0].int(0)
                }
            }
            // The seed read the accounts; a control query shows the figure moves when one does.
            let before = try await seqTuplesRead()
            _ = try await pool.query("SELECT count(*) FROM user_mt5_accounts WHERE account_name <> ''")
            let control = try await seqTuplesRead()
            #expect(control > before)
            // Nor a pass over the schedule rows, sequential or through an index (one entry per
            // active account): 2,000 more accounts, synced and not due, cost a report nothing;
            // the demand ratio is the leader's stored figure.
            func scheduleEntriesRead() async throws -> Int {
                _ = try await pool.query("SELECT pg_stat_force_next_flush()")
                return try await pool.withConnection { connection in
                    _ = try connection.query("SELECT pg_stat_clear_snapshot()")
                    return try connection.query(
                        "SELECT sum(idx_tup_read)::int8 FROM pg_stat_user_indexes WHERE relname = 'account_schedule'")[0].int(0)
                }
            }
            let calm = try await TestFleet.createAccounts(pool, vault: Self.vault, count: 2_000)
            try await pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() WHERE id = ANY($1::uuid[])", [calm])
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1 WHERE account_id = ANY($1::uuid[])", [calm])
            try await pool.execute("UPDATE account_schedule SET next_sync_at = now() + interval '10 minutes' WHERE account_id = ANY($1::uuid[])", [calm])
            // (Without the set-up's dead row versions, whose index entries a scan would count.)
            try await pool.execute("VACUUM ANALYZE account_schedule")
            let settled = try await seqTuplesRead()
            let schedule = try await seqTuplesRead("account_schedule"), entries = try await scheduleEntriesRead()
            for _ in 0..<3 { try await reporter.report() }
            #expect(try await seqTuplesRead() == settled)
            #expect(try await seqTuplesRead("account_schedule") == schedule)
            let read = try await scheduleEntriesRead() - entries
            #expect(read < 100, "three reports read \(read) schedule index entries")
            await pool.close()
        }
    }

    @Test("the demand ratio the gauges and /admin/status read is the one the policy computes, with and without live slots")
    func demandRatioIsThePolicys() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            _ = try await Self.seed(pool)
            try await pool.execute("UPDATE account_schedule SET sync_class = 'moving', avg_sync_ms = 7000 WHERE account_id IN (SELECT account_id FROM account_schedule LIMIT 3)")
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let settings = SyncSettings(staleAfter: 3_600)
            let controller = SyncPolicyController(
                pool: pool, leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: settings, metrics: metrics, logger: TestServices.logger())
            // What every replica computed for itself before: the policy over the schedule rows.
            func computed() async throws -> Double {
                try await pool.withConnection { connection in
                    let stretch = settings.policy.stretch(
                        loads: try CapacityQuery.loads(connection), slots: try CapacityQuery.liveSlots(connection))
                    return stretch.slots > 0 ? stretch.demandRatio : stretch.demandAtTargets
                }
            }
            #expect(try await pool.withConnection { try StatusReporter.read($0, settings: settings) }.demandRatio == 0,
                    "nothing stored before the leader's first round")
            for liveSlots in [1, 0] {
                try await pool.execute("UPDATE terminal_slots SET state = $1", [liveSlots > 0 ? "idle" : "dead"])
                try await controller.adapt()
                let expected = try await computed()
                #expect(expected > 0)
                let snapshot = try await pool.withConnection { try StatusReporter.read($0, settings: settings) }
                #expect(snapshot.demandRatio == expected, "\(liveSlots) live slots")
                let reporter = StatusReporter(pool: pool, settings: settings, metrics: metrics, logger: TestServices.logger())
                try await reporter.report()
            }
            await pool.close()
        }
    }
}
