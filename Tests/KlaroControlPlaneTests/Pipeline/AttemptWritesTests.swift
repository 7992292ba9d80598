import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Testing

/// What a job's end writes (issue 16, migration 0020): the attempt and the failure count on the
/// narrow schedule row every time; the wide accounts row only when something it holds changes.
@Suite("Sync pipeline: a repeated failure leaves the wide account row alone")
struct AttemptWritesTests {
    /// The wide row's version, position and locker: all unchanged when nothing wrote or locked it.
    private func wideRow(_ pool: PostgresPool, _ account: UUID) async throws -> String {
        try await pool.query("SELECT xmin::text || ' ' || ctid::text || ' ' || xmax::text FROM user_mt5_accounts WHERE id = $1", [account])[0]
            .string(0)
    }

    private func attempts(_ pool: PostgresPool, _ account: UUID) async throws -> (failures: Int, lastSynced: Date?) {
        let row = try await pool.query("SELECT consecutive_failures, last_synced FROM account_schedule WHERE account_id = $1", [account])[0]
        return (try row.int(0), try row.dateOrNil(1))
    }

    /// Puts a job in flight for the account, past its deadline; returns the job id.
    @discardableResult
    private func inFlight(_ pool: PostgresPool, _ account: UUID) async throws -> UUID {
        let job = UUID()
        try await pool.execute("""
            UPDATE account_schedule SET inflight_job_id = $2, inflight_enqueued_at = now() - interval '5 minutes',
                   inflight_deadline = now() - interval '2 minutes', inflight_host = 'h1', inflight_slot = 1, attempt = 1,
                   interval_anchor = now() - interval '6 minutes'
            WHERE account_id = $1
            """, [account, job])
        return job
    }

    /// The account as `GET /api/accounts/{id}` and `GET /admin/accounts/{id}` build it, as JSON.
    private func views(_ pool: PostgresPool, _ account: UUID) async throws -> (api: [String: Any], admin: [String: Any]) {
        let rules = AccountView.Rules(staleness: Staleness(staleAfter: 3600), policy: SyncSettings().policy)
        let row = try await pool.query("SELECT \(AccountView.columns) FROM user_mt5_accounts WHERE id = $1", [account])[0]
        let admin = try await pool.query(
            "SELECT \(AdminAccountView.columns) FROM \(AdminAccountView.tables) WHERE a.id = $2", [3600.0, account])[0]
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        func object(_ value: some Encodable) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: try encoder.encode(value)) as? [String: Any] ?? [:]
        }
        return (try object(try AccountView(row: row, rules: rules, now: Date())), try object(try AdminAccountView(row: admin)))
    }

    @Test("a lost job twice: the wide row is written (and locked) once, the failure count rises 1 → 2 and the API shows it; a success resets it on the wide row")
    func repeatedLoss() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "attempts")))
            let key = try X25519KeyPair.generate().publicKeyBase64
            try await pool.execute(
                "INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', $1, $1)", [key])
            try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
            let account = try await TestFleet.createAccounts(pool, vault: vault, count: 1)[0]
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1 WHERE account_id = $1", [account])
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let redis = try await TestRedis.client()
            let settings = SyncSettings()
            let rescuer = Rescuer(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: settings, metrics: metrics, logger: TestServices.logger())

            // The first loss changes what the trader sees (no outcome yet → lost): the wide row.
            let fresh = try await wideRow(pool, account)
            try await inFlight(pool, account)
            #expect(try await rescuer.sweep() == 1)
            let afterFirst = try await wideRow(pool, account)
            #expect(afterFirst != fresh)
            let first = try await attempts(pool, account)
            #expect(first.failures == 1 && first.lastSynced != nil)

            // The second repeats it: only the schedule row moves.
            try await inFlight(pool, account)
            #expect(try await rescuer.sweep() == 1)
            #expect(try await wideRow(pool, account) == afterFirst, "the wide row was written or locked")
            let second = try await attempts(pool, account)
            #expect(second.failures == 2)
            #expect(try #require(second.lastSynced) > (try #require(first.lastSynced)))
            let (api, admin) = try await views(pool, account)
            #expect(api["consecutive_failures"] as? Int == 2 && admin["consecutive_failures"] as? Int == 2)
            #expect(api["last_outcome"] as? String == "lost" && admin["last_outcome"] as? String == "lost")
            let shown = ISO8601DateFormatter().date(from: try #require(api["last_synced"] as? String))
            #expect(abs(try #require(shown).timeIntervalSince(try #require(second.lastSynced))) < 1)
            #expect(admin["last_synced"] as? String == api["last_synced"] as? String)

            // A success resets the count and writes the wide row (outcome, last success).
            let job = try await inFlight(pool, account)
            var rng = SystemRandomNumberGenerator()
            let now = Date()
            let completion = JobCompletion.decide(
                .result(.ok), account: account, attempt: 1, anchor: now, now: now, interval: 900, policy: settings.retry, using: &rng)
            var writes = JobCompletionWrites()
            writes.add(
                accountID: account, jobID: job, enqueuedAt: now.addingTimeInterval(-300), completion: completion, finishedAt: now,
                error: nil)
            let ended = writes
            #expect(try await pool.transaction { try ended.execute($0) } == 1)
            #expect(try await wideRow(pool, account) != afterFirst)
            #expect(try await attempts(pool, account).failures == 0)
            let wide = try await pool.query("SELECT last_outcome, last_success_at IS NOT NULL FROM user_mt5_accounts WHERE id = $1", [account])
            #expect(try wide[0].string(0) == "ok" && wide[0].bool(1))
            #expect(try await views(pool, account).api["consecutive_failures"] as? Int == 0)
            await redis.close()
            await pool.close()
        }
    }

    @Test("a failure with another error than the last one is recorded on the wide row; the same one again is not")
    func changedError() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "errors")))
            let account = try await TestFleet.createAccounts(pool, vault: vault, count: 1)[0]
            let key = try X25519KeyPair.generate().publicKeyBase64
            try await pool.execute(
                "INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', $1, $1)", [key])
            try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
            let settings = SyncSettings()
            func fail(_ outcome: SyncOutcome, _ code: Int, _ message: String) async throws {
                let job = try await inFlight(pool, account)
                var rng = SystemRandomNumberGenerator()
                let now = Date()
                let completion = JobCompletion.decide(
                    .result(outcome), account: account, attempt: 1, anchor: now, now: now, interval: 900, policy: settings.retry,
                    using: &rng)
                var writes = JobCompletionWrites()
                writes.add(
                    accountID: account, jobID: job, enqueuedAt: now.addingTimeInterval(-300), completion: completion, finishedAt: now,
                    error: (code, message))
                let ended = writes
                #expect(try await pool.transaction { try ended.execute($0) } == 1)
            }
            try await fail(.timeout, -10005, "IPC timeout")
            let timedOut = try await wideRow(pool, account)
            try await fail(.timeout, -10005, "IPC timeout")
            #expect(try await wideRow(pool, account) == timedOut)
            try await fail(.timeout, -10005, "IPC timeout after 60 s")
            #expect(try await wideRow(pool, account) != timedOut)
            let row = try await pool.query("SELECT last_outcome, last_error_code, last_error_message FROM user_mt5_accounts WHERE id = $1", [account])
            #expect(try row[0].string(0) == "timeout" && row[0].int(1) == -10005 && row[0].string(2) == "IPC timeout after 60 s")
            #expect(try await attempts(pool, account).failures == 3)
            await pool.close()
        }
    }
}
