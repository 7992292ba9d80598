import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Synchronization
import Testing

/// Tests that run the real klarod binary, to kill it.
@Suite("klarod processes: crashes, failover, secrets")
struct ProcessTests {
    struct Setup {
        let database: TestDatabase
        let redisURL: String
        let keys: String
        let pool: PostgresPool
        var vault: CredentialVault { CredentialVault(keyRing: try! KeyRing.parse(keys)) }

        func environment(_ overrides: [String: String] = [:]) -> [String: String] {
            KlarodProcess.environment(databaseURL: database.url, redisURL: redisURL, keys: keys, overrides: overrides)
        }

        func count(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> Int {
            try await pool.query(sql, parameters)[0].int(0)
        }
    }

    static func setup(_ database: TestDatabase) async throws -> Setup {
        Setup(database: database, redisURL: try await TestRedis.url(), keys: try KeyRing.generateEntry(id: "p1"), pool: database.pool())
    }

    static func metric(_ klarod: KlarodProcess, _ name: String) async -> Double? {
        guard let text = try? await TestHTTP.get(klarod.baseURL + "/metrics").text else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }

    @Test("klarod killed with SIGKILL while results are queued ingests every result once after restart")
    func crashWhileResultsQueued() async throws {
        try await withTestDatabase { database in
            let setup = try await Self.setup(database)
            let ids = try await TestFleet.createAccounts(setup.pool, vault: setup.vault, count: 60)
            let hosts = try await startHosts(2, slots: 2, redisURL: setup.redisURL) { job, _, _ in
                if case .ok(let account, let positions, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) {
                    return .ok(account: account, positions: positions, deals: deals, delay: .milliseconds(300))
                }
                return .vanish
            }
            // A job committed by the dispatch but not yet sent when the kill lands never reaches
            // a worker: it is lost at its deadline and synced again. A short deadline keeps that
            // wait inside the test's, and is still far longer than a sync here.
            let environment = setup.environment(["KLARO_NODE_NAME": "crashy", "KLARO_JOB_DEADLINE": "20"])
            let first = try KlarodProcess(environment: environment, name: "first")
            try await first.waitUntilListening()
            try await TestFleet.admit(setup.pool, hosts: 2, slots: 4)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) { try await setup.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") >= 8 })
            first.kill(SIGKILL)

            // The slots work off their queues meanwhile; the results wait in Redis.
            try await Task.sleep(for: .seconds(2))
            let redis = RedisClient(configuration: try RedisConfiguration(url: setup.redisURL), logger: TestServices.logger())
            let finishedBefore = try await setup.count("SELECT count(*) FROM sync_runs WHERE state = 'finished'")
            let answered = hosts.reduce(0) { $0 + $1.passwords.withLock { $0.count } }
            #expect(answered > finishedBefore, "results were queued while klarod was down")

            let second = try KlarodProcess(environment: environment, name: "second")
            try await second.waitUntilListening()
            let done = await TestHTTP.eventually(timeout: .seconds(120)) {
                try await setup.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == ids.count
            }
            #expect(done, "every account synced")
            #expect(await TestHTTP.eventually { try await redis.pendingSummary(stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup).count == 0 })
            #expect(try await setup.count("SELECT count(*) FROM sync_runs WHERE state = 'queued'") == 0)
            // Every job a worker answered was ingested exactly once; the only other finished
            // runs are jobs no worker ever saw (sent to none when the kill landed), lost.
            let answeredJobs = Set(hosts.flatMap { $0.passwords.withLock { Array($0.keys) } })
            let runs = try await setup.pool.query("SELECT job_id, outcome FROM sync_runs WHERE state = 'finished'")
            let ingested = Set(try runs.filter { $0.stringOrNil(1) != "lost" }.map { try $0.uuid(0) })
            let lost = Set(try runs.filter { $0.stringOrNil(1) == "lost" }.map { try $0.uuid(0) })
            #expect(ingested == answeredJobs)
            #expect(lost.isDisjoint(with: answeredJobs), "a job a worker answered was declared lost")
            // Each ok run stored exactly one snapshot, and the deals once per account.
            #expect(try await setup.count("SELECT count(*) FROM account_snapshots") == setup.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'"))
            #expect(try await setup.count("SELECT count(*) FROM deals") == ids.count * 3)
            second.kill(SIGTERM)
            await redis.close()
            for host in hosts { await host.kill() }
            await setup.pool.close()
        }
    }

    @Test("two klarod replicas: one leader; kill it and the other takes over, never dispatching an account twice at once")
    func leaderFailover() async throws {
        try await withTestDatabase { database in
            let setup = try await Self.setup(database)
            _ = try await TestFleet.createAccounts(setup.pool, vault: setup.vault, count: 40)
            let hosts = try await startHosts(2, slots: 3, redisURL: setup.redisURL) { job, _, _ in
                if case .ok(let account, let positions, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) {
                    return .ok(account: account, positions: positions, deals: deals, delay: .milliseconds(100))
                }
                return .vanish
            }
            let environment = setup.environment(["KLARO_SYNC_INTERVAL": "10"])
            let a = try KlarodProcess(environment: environment, name: "a")
            let b = try KlarodProcess(environment: environment, name: "b")
            try await a.waitUntilListening()
            try await b.waitUntilListening()
            try await TestFleet.admit(setup.pool, hosts: 2, slots: 6)

            var leaders: [Double] = []
            let oneLeader = await TestHTTP.eventually(timeout: .seconds(10)) {
                leaders = [await Self.metric(a, "klaro_scheduler_leader") ?? -1, await Self.metric(b, "klaro_scheduler_leader") ?? -1]
                return leaders.sorted() == [0, 1]
            }
            #expect(oneLeader, "exactly one leader: \(leaders)")
            let (leader, standby) = leaders[0] == 1 ? (a, b) : (b, a)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) { try await setup.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") >= 40 })

            leader.kill(SIGKILL)
            let killedAt = Date()
            let tookOver = await TestHTTP.eventually(timeout: .seconds(10)) { await Self.metric(standby, "klaro_scheduler_leader") == 1 }
            #expect(tookOver)
            #expect(Date().timeIntervalSince(killedAt) < 5, "the standby took over within seconds")
            // The new leader keeps syncing (the interval is 10 s).
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                try await setup.count("SELECT count(*) FROM sync_runs WHERE enqueued_at > $1 AND outcome = 'ok'", [killedAt]) >= 40
            })
            // No account ever had two jobs at once: each job starts after the previous one ended.
            let overlapping = try await setup.count("""
                SELECT count(*) FROM sync_runs x JOIN sync_runs y
                  ON x.account_id = y.account_id AND x.job_id <> y.job_id
                 AND y.enqueued_at >= x.enqueued_at AND y.enqueued_at < coalesce(x.finished_at, 'infinity')
                """)
            #expect(overlapping == 0)
            standby.kill(SIGTERM)
            for host in hosts { await host.kill() }
            await setup.pool.close()
        }
    }

    @Test("the MT5 password never appears in Redis in readable form, nor in klarod's logs")
    func passwordNeverLeaks() async throws {
        try await withTestDatabase { database in
            let setup = try await Self.setup(database)
            let password = "Inv3stor-Pa55-7Hq2"
            let ids = try await TestFleet.createAccounts(setup.pool, vault: setup.vault, count: 6) { _ in password }
            let hosts = try await startHosts(1, slots: 2, redisURL: setup.redisURL) { job, seen, _ in
                seen == password ? TestFleet.healthyAnswer(login: job.login, server: job.server)
                    : .failure(outcome: "auth_failed", code: -6, message: "Terminal: Authorization failed")
            }
            let klarod = try KlarodProcess(environment: setup.environment(["KLARO_LOG_LEVEL": "trace"]), name: "secret")
            try await klarod.waitUntilListening()
            try await TestFleet.admit(setup.pool, hosts: 1, slots: 2)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                try await setup.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == ids.count
            }, "the workers received the right password (sealed)")

            // Every key of the database: strings, streams (all fields), hashes.
            let redis = RedisClient(configuration: try RedisConfiguration(url: setup.redisURL), logger: TestServices.logger())
            var texts: [String] = []
            for key in try await redis.scan(match: "*") {
                switch try await redis.command(["TYPE", key]).string {
                case "string": texts.append(try await redis.get(key) ?? "")
                case "stream":
                    for entry in try await redis.range(stream: key, count: 100_000) {
                        texts += entry.fields.values.map { String(decoding: $0, as: UTF8.self) }
                    }
                case "hash": texts += (try await redis.command(["HGETALL", key]).array ?? []).compactMap(\.string)
                default: texts.append(key)
                }
            }
            let encoded = Data(password.utf8).base64EncodedString()
            #expect(texts.contains { $0.contains("password_sealed") }, "the jobs were found")
            #expect(!texts.contains { $0.contains(password) || $0.contains(encoded) })
            klarod.kill(SIGTERM)
            #expect(klarod.log.contains("dispatched"), "debug logs were on")
            #expect(!klarod.log.contains(password))
            await redis.close()
            for host in hosts { await host.kill() }
            await setup.pool.close()
        }
    }
}
