import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Testing

/// Every path that ends a job picks the account's own interval (class target × plan × stretch),
/// as ingest does (issue 13): a lost job and a job given back at dispatch included.
@Suite("Sync pipeline: lost and given-back jobs wait their account's own interval")
struct CompletionIntervalTests {
    /// One admitted host with one live slot, and a moving and a dormant account assigned to it.
    private func fleet(_ pool: PostgresPool, vault: CredentialVault) async throws -> (moving: UUID, dormant: UUID) {
        let key = try X25519KeyPair.generate().publicKeyBase64
        try await pool.execute(
            "INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', $1, $1)", [key])
        try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
        let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 2)
        try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1 WHERE account_id = ANY($1::uuid[])", [ids])
        try await pool.execute("UPDATE account_schedule SET sync_class = 'moving' WHERE account_id = $1", [ids[0]])
        try await pool.execute("UPDATE account_schedule SET sync_class = 'dormant' WHERE account_id = $1", [ids[1]])
        return (ids[0], ids[1])
    }

    /// Seconds from `expression` to `next_sync_at` of an account.
    private func wait(_ pool: PostgresPool, _ account: UUID, from expression: String) async throws -> Double {
        try await pool.query(
            "SELECT extract(epoch FROM next_sync_at - \(expression))::float8 FROM account_schedule WHERE account_id = $1", [account]
        )[0].double(0)
    }

    @Test("a job lost on its last attempt: a moving account is due one moving interval (300 s) after its anchor, a dormant one 3600 s")
    func lostJobs() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "lost")))
            let (moving, dormant) = try await fleet(pool, vault: vault)
            // Both in flight on their third attempt since an anchor 10 s ago, past the deadline.
            try await pool.execute("""
                UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now() - interval '5 minutes',
                       inflight_deadline = now() - interval '2 minutes', inflight_host = 'h1', inflight_slot = 1, attempt = 3,
                       interval_anchor = now() - interval '10 seconds'
                """)
            let anchors = try await pool.query("SELECT account_id, interval_anchor FROM account_schedule")
            var anchor: [UUID: Date] = [:]
            for row in anchors { anchor[try row.uuid(0)] = try row.date(1) }
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let redis = try await TestRedis.client()
            let settings = SyncSettings()  // quiet 900 s: moving 300 s, dormant 3600 s
            let rescuer = Rescuer(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: settings, metrics: metrics, logger: TestServices.logger())
            #expect(try await rescuer.sweep() == 2)
            for (account, interval) in [(moving, 300.0), (dormant, 3600.0)] {
                let next = try await pool.query("SELECT next_sync_at FROM account_schedule WHERE account_id = $1", [account])[0].date(0)
                let waited = next.timeIntervalSince(try #require(anchor[account]))
                #expect(abs(waited - interval) < 0.01, "due \(waited) s after the anchor, expected \(interval)")
            }
            await redis.close()
            await pool.close()
        }
    }

    @Test("a job given back at dispatch (the password does not open): due one interval of its class later")
    func givenBack() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            // Stored under one key ring, dispatched by a klarod holding another.
            let stored = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "old")))
            let (moving, dormant) = try await fleet(pool, vault: stored)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let redis = try await TestRedis.client()
            let scheduler = Scheduler(
                pool: pool, redis: redis, vault: CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "new"))),
                leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: SyncSettings(), metrics: metrics, logger: TestServices.logger())
            let report = try await scheduler.tick()
            #expect(report.dispatched == 0)
            #expect(try await pool.query("SELECT count(*) FROM account_schedule WHERE inflight_job_id IS NULL")[0].int(0) == 2)
            for (account, interval) in [(moving, 300.0), (dormant, 3600.0)] {
                let waited = try await wait(
                    pool, account, from: "(SELECT finished_at FROM sync_runs r WHERE r.account_id = account_schedule.account_id)")
                #expect(abs(waited - interval) < 5, "due \(waited) s after the give-back, expected \(interval)")
            }
            await redis.close()
            await pool.close()
        }
    }
}
