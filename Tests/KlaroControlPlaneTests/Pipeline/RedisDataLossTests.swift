import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Testing

/// Redis restarted without persistence comes back empty: no groups, no queued jobs, no
/// pending results, no registrations. The fleet must heal without an operator.
@Suite("Sync pipeline: Redis that comes back empty")
struct RedisDataLossTests {
    /// The names of a stream's consumer groups (`XINFO GROUPS`).
    static func groups(_ client: RedisClient, _ stream: String) async throws -> [String] {
        guard case .array(let groups) = try await client.command(["XINFO", "GROUPS", stream]) else { return [] }
        return groups.compactMap { group in
            guard case .array(let fields) = group, let at = fields.firstIndex(where: { $0.string == "name" }), at + 1 < fields.count
            else { return nil }
            return fields[at + 1].string
        }
    }

    /// The jobs in a slot's stream that no worker has read yet: the entries after the slot
    /// group's `last-delivered-id`.
    static func unreadJobs(_ client: RedisClient, _ stream: String) async throws -> [UUID] {
        guard case .array(let groups) = try await client.command(["XINFO", "GROUPS", stream]),
              case .array(let fields)? = groups.first,
              let at = fields.firstIndex(where: { $0.string == "last-delivered-id" }), at + 1 < fields.count,
              let lastDelivered = fields[at + 1].string
        else { return [] }
        return try await client.range(stream: stream, start: "(" + lastDelivered).compactMap { entry in
            try entry.string("job").map { try JSONDecoder().decode(JobMessage.self, from: Data($0.utf8)).jobID }
        }
    }

    static func count(_ pool: PostgresPool, _ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> Int {
        try await pool.query(sql, parameters)[0].int(0)
    }

    @Test(
        "workers recreate their groups, unanswered jobs become lost, every account syncs again, nothing is written twice",
        .enabled(if: PythonWorker.python != nil || PythonWorker.required,
                 "needs a Python that imports klaro_worker (ops/checks/worker.sh installs it)")
    )
    func emptyRedisAfterRestart() async throws {
        let python = try #require(PythonWorker.python)
        let redis = try DedicatedRedis()
        defer { redis.destroy() }
        try await withTestDatabase { database in
            // Syncs of about a second on one slot with two jobs queued: there is always a job
            // running and one waiting in the slot's stream when Redis goes.
            let settings = SyncSettings(
                interval: 4, queueDepth: 2, jobDeadline: 4, lostGrace: 0.5, slotDeadAfter: 20, schedulerTick: 0.1,
                ingestBatch: 64, retry: RetryPolicy(base: 0.3, cap: 1, maxAttemptsPerInterval: 3)
            )
            let klarod = try await RunningControlPlane(configuration: try RunningControlPlane.configuration(
                databaseURL: database.url, redisURL: redis.url, sync: settings))
            let pool = database.pool()
            let vault = CredentialVault(keyRing: klarod.controlPlane.configuration.credentialKeys!)
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 4)
            let worker = try PythonWorker(
                python: python, host: "py1", redisURL: redis.url, directory: redis.directory,
                scenario: #"{"seed": 5, "latency": {"initialize": 10, "login": 900, "call": 1}}"#)
            defer { worker.stop() }
            try await TestFleet.admit(pool, hosts: 1, slots: 1)
            #expect(await TestHTTP.eventually(timeout: .seconds(60)) {
                try await Self.count(pool, "SELECT count(DISTINCT account_id) FROM sync_runs WHERE outcome = 'ok'") == ids.count
            }, "worker log:\n\(worker.log)")

            // Redis dies and comes back empty while a job waits in the slot's stream that no
            // worker has read. The worker is stopped meanwhile, so it cannot read that job between
            // the look and the stop, however slow the machine.
            let probe = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: TestServices.logger())
            kill(worker.pid, SIGSTOP)
            var unread: [UUID] = []
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                unread = try await Self.unreadJobs(probe, ProtocolKeys.queue("py1", 1))
                return !unread.isEmpty
            }, "a job waits unread in the slot's stream")
            await probe.close()
            try redis.stop()
            let inFlight = try await pool.query("SELECT inflight_job_id FROM account_schedule WHERE inflight_job_id IS NOT NULL")
                .map { try $0.uuid(0) }
            try redis.start()
            kill(worker.pid, SIGCONT)
            let restarted = Date()

            // Every account syncs again after the restart.
            let healed = await TestHTTP.eventually(timeout: .seconds(60)) {
                try await Self.count(pool, """
                    SELECT count(DISTINCT account_id) FROM sync_runs WHERE outcome = 'ok' AND enqueued_at > $1
                    """, [restarted]) == ids.count
            }
            #expect(healed, "worker log:\n\(worker.log)")

            // The jobs Redis lost were finished; the one no worker had read is lost.
            let fates = try await pool.query("SELECT job_id, state, outcome FROM sync_runs WHERE job_id = ANY($1::uuid[])", [inFlight])
            #expect(fates.count == inFlight.count)
            #expect(try fates.allSatisfy { try $0.string(1) == "finished" })
            #expect(Set(unread).isSubset(of: inFlight), "the unread jobs were in flight: \(unread) \(inFlight)")
            for row in fates {
                guard unread.contains(try row.uuid(0)) else { continue }
                #expect(row.stringOrNil(2) == "lost", "worker log:\n\(worker.log)")
            }

            // Nothing written twice: one snapshot per ok run, one run per job, and never two
            // jobs of one account in flight at once.
            let snapshots = try await Self.count(pool, "SELECT count(*) FROM account_snapshots")
            #expect(try await Self.count(pool, "SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") == snapshots)
            #expect(try await Self.count(pool, "SELECT count(*) - count(DISTINCT job_id) FROM sync_runs") == 0)
            #expect(try await Self.count(pool, """
                SELECT count(*) FROM sync_runs a JOIN sync_runs b ON a.account_id = b.account_id AND a.job_id < b.job_id
                WHERE a.enqueued_at < coalesce(b.finished_at, now()) AND b.enqueued_at < coalesce(a.finished_at, now())
                """) == 0)

            // The groups exist again: the slot's (the worker made it) and klarod's ingest group.
            let client = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: TestServices.logger())
            #expect(try await Self.groups(client, ProtocolKeys.queue("py1", 1)) == [ProtocolKeys.slotGroup])
            #expect(try await Self.groups(client, ProtocolKeys.results) == [ProtocolKeys.ingestGroup])
            await client.close()
            await klarod.stop()
            await pool.close()
        }
    }
}
