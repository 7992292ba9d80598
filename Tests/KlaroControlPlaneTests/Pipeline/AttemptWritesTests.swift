import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Testing

/// What a job's end writes (issue 16, migrations 0020 and 0021): the attempt, its outcome and
/// error and the failure count on the narrow schedule row every time; the wide accounts row only
/// for a success or a park.
@Suite("Sync pipeline: a lost or failed job leaves the wide account row alone")
struct AttemptWritesTests {
    /// The wide row's version, position and locker: all unchanged when nothing wrote or locked it.
    private func wideRow(_ pool: PostgresPool, _ account: UUID) async throws -> String {
        try await pool.query("SELECT xmin::text || ' ' || ctid::text || ' ' || xmax::text FROM user_mt5_accounts WHERE id = $1", [account])[0]
            .string(0)
    }

    private func attempts(_ pool: PostgresPool, _ account: UUID) async throws -> (failures: Int, lastSynced: Date?, outcome: String?) {
        let row = try await pool.query(
            "SELECT consecutive_failures, last_synced, last_outcome FROM account_schedule WHERE account_id = $1", [account])[0]
        return (try row.int(0), try row.dateOrNil(1), row.stringOrNil(2))
    }

    /// Ends the account's job in flight with `outcome` through the statement every path runs.
    private func finish(
        _ pool: PostgresPool, _ account: UUID, _ outcome: SyncOutcome, error: (code: Int?, message: String?)?
    ) async throws {
        let job = try await inFlight(pool, account)
        var rng = SystemRandomNumberGenerator()
        let now = Date()
        let completion = JobCompletion.decide(
            .result(outcome), account: account, attempt: 1, anchor: now, now: now, interval: 900, policy: SyncSettings().retry,
            using: &rng)
        var writes = JobCompletionWrites()
        writes.add(
            accountID: account, jobID: job, enqueuedAt: now.addingTimeInterval(-300), completion: completion, finishedAt: now,
            error: error)
        let ended = writes
        #expect(try await pool.transaction { try ended.execute($0) } == 1)
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

    @Test("a lost job twice, the first after none: the wide row is neither written nor locked, the failure count rises 1 → 2 and the API shows it; a success writes the wide row")
    func repeatedLoss() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "attempts")))
            try await insertHost(pool, "h1", slots: 1)
            let account = try await TestFleet.createAccounts(pool, vault: vault, count: 1)[0]
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1 WHERE account_id = $1", [account])
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let redis = try await TestRedis.client()
            let settings = SyncSettings()
            let rescuer = Rescuer(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: TestServices.logger()),
                settings: settings, metrics: metrics, logger: TestServices.logger())

            // The first loss changes what the trader sees (no outcome yet → lost), on the schedule row only.
            let fresh = try await wideRow(pool, account)
            try await inFlight(pool, account)
            #expect(try await rescuer.sweep() == 1)
            #expect(try await wideRow(pool, account) == fresh, "the first loss wrote or locked the wide row")
            let first = try await attempts(pool, account)
            #expect(first.failures == 1 && first.lastSynced != nil && first.outcome == "lost")
            let (firstAPI, firstAdmin) = try await views(pool, account)
            #expect(firstAPI["last_outcome"] as? String == "lost" && firstAdmin["last_outcome"] as? String == "lost")
            let firstError = try #require(firstAPI["last_error"] as? [String: Any])
            #expect(firstError["outcome"] as? String == "lost" && firstError["message"] as? String == Rescuer.deadlineMessage)
            #expect(firstAdmin["last_error_message"] as? String == Rescuer.deadlineMessage)

            // The second repeats it: only the schedule row moves.
            try await inFlight(pool, account)
            #expect(try await rescuer.sweep() == 1)
            #expect(try await wideRow(pool, account) == fresh, "the second loss wrote or locked the wide row")
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
            #expect(try await wideRow(pool, account) != fresh)
            let succeeded = try await attempts(pool, account)
            #expect(succeeded.failures == 0 && succeeded.outcome == "ok")
            let wide = try await pool.query("SELECT last_success_at IS NOT NULL FROM user_mt5_accounts WHERE id = $1", [account])
            #expect(try wide[0].bool(0))
            let (okAPI, okAdmin) = try await views(pool, account)
            #expect(okAPI["consecutive_failures"] as? Int == 0 && okAPI["last_error"] == nil && okAdmin["last_error_code"] == nil)
            await redis.close()
            await pool.close()
        }
    }

    @Test("failures with changing errors, and an auth failure that does not park, leave the wide row alone; the API shows each error; a park writes status")
    func failures() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "errors")))
            let account = try await TestFleet.createAccounts(pool, vault: vault, count: 1)[0]
            try await insertHost(pool, "h1", slots: 1)
            let fresh = try await wideRow(pool, account)

            // A first timeout (no outcome before), the same again, then another message.
            try await finish(pool, account, .timeout, error: (-10005, "IPC timeout"))
            #expect(try await wideRow(pool, account) == fresh, "the first timeout wrote or locked the wide row")
            try await finish(pool, account, .timeout, error: (-10005, "IPC timeout"))
            try await finish(pool, account, .timeout, error: (-10005, "IPC timeout after 60 s"))
            #expect(try await wideRow(pool, account) == fresh, "a changed error wrote or locked the wide row")
            let row = try await pool.query(
                "SELECT last_outcome, last_error_code, last_error_message FROM account_schedule WHERE account_id = $1", [account])
            #expect(try row[0].string(0) == "timeout" && row[0].int(1) == -10005 && row[0].string(2) == "IPC timeout after 60 s")
            #expect(try await attempts(pool, account).failures == 3)
            let (timedOut, timedOutAdmin) = try await views(pool, account)
            let timeoutError = try #require(timedOut["last_error"] as? [String: Any])
            #expect(timeoutError["code"] as? Int == -10005 && timeoutError["message"] as? String == "IPC timeout after 60 s")
            #expect(timedOutAdmin["last_error_code"] as? Int == -10005 && timedOutAdmin["last_outcome"] as? String == "timeout")

            // The owner's plan disabled the account while its job ran: a first auth failure does not park it.
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'disabled', disabled_reason = 'plan' WHERE id = $1", [account])
            let disabled = try await wideRow(pool, account)
            try await finish(pool, account, .authFailed, error: (-6, "Terminal: Authorization failed"))
            #expect(try await wideRow(pool, account) == disabled, "an auth failure that does not park wrote or locked the wide row")
            let (refused, refusedAdmin) = try await views(pool, account)
            #expect(refused["status"] as? String == "disabled" && refused["last_outcome"] as? String == "auth_failed")
            let authError = try #require(refused["last_error"] as? [String: Any])
            #expect(authError["code"] as? Int == -6 && authError["message"] as? String == "Terminal: Authorization failed")
            #expect(refusedAdmin["last_error_message"] as? String == "Terminal: Authorization failed")

            // Active again: the same auth failure parks the account, and the park is on the wide row.
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'active', disabled_reason = NULL WHERE id = $1", [account])
            let active = try await wideRow(pool, account)
            try await finish(pool, account, .authFailed, error: (-6, "Terminal: Authorization failed"))
            #expect(try await wideRow(pool, account) != active)
            let parked = try await views(pool, account).api
            #expect(parked["status"] as? String == "auth_failed" && parked["last_outcome"] as? String == "auth_failed")
            #expect(try await attempts(pool, account).failures == 5)
            await pool.close()
        }
    }

    @Test("through ingest: a timed-out result neither writes nor locks the wide row, an auth failure parks and writes it")
    func ingested() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "ingest")))
            let account = try await TestFleet.createAccounts(pool, vault: vault, count: 1)[0]
            try await insertHost(pool, "h1", slots: 1)
            let settings = SyncSettings()
            let store = IngestStore(settings: settings, retryPolicy: settings.retry)
            func ingest(_ outcome: String, code: Int, message: String) async throws -> Bool {
                let job = try await inFlight(pool, account)
                let fence = try await pool.query("SELECT fence FROM account_schedule WHERE account_id = $1", [account])[0].int64(0)
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let json = """
                    {"v": 1, "job_id": "\(job.uuidString.lowercased())", "account_id": "\(account.uuidString.lowercased())",
                     "host": "h1", "slot": 1, "fence": \(fence), "started_at": \(now - 2000), "finished_at": \(now),
                     "outcome": "\(outcome)", "mt5_error": {"code": \(code), "message": "\(message)"}, "login_ms": null,
                     "fetch_ms": null, "account": null, "positions": null, "deals": null, "terminal": null}
                    """
                let result = IncomingResult(entryID: "1-0", message: try JSONDecoder().decode(ResultMessage.self, from: Data(json.utf8)))
                let verdicts = try await pool.transaction { try store.ingest([result], connection: $0, now: Date()) }
                if case .applied = verdicts.first { return true }
                return false
            }
            let fresh = try await wideRow(pool, account)
            #expect(try await ingest("timeout", code: -10005, message: "IPC timeout"))
            #expect(try await wideRow(pool, account) == fresh, "a timed-out result wrote or locked the wide row")
            let timedOut = try await attempts(pool, account)
            #expect(timedOut.outcome == "timeout" && timedOut.failures == 1)
            let shown = try #require(try await views(pool, account).api["last_error"] as? [String: Any])
            #expect(shown["code"] as? Int == -10005 && shown["message"] as? String == "IPC timeout")

            #expect(try await ingest("auth_failed", code: -6, message: "Terminal: Authorization failed"))
            #expect(try await wideRow(pool, account) != fresh)
            let parked = try await views(pool, account).api
            #expect(parked["status"] as? String == "auth_failed" && parked["last_outcome"] as? String == "auth_failed")
            await pool.close()
        }
    }
}
