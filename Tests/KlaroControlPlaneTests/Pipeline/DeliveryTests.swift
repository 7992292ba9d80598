import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Synchronization
import Testing

@Suite("Sync pipeline: lost work, duplicates and bad results")
struct DeliveryTests {
    @Test("a job whose worker vanished becomes lost after its deadline and is synced again")
    func lostAfterDeadline() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: fastSettings(deadline: 2))
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 1)
            let first = Atomic<Bool>(true)
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                // The first job is swallowed (the worker died mid-job but its slot lives on).
                if first.exchange(false, ordering: .relaxed) { return .vanish }
                return TestFleet.healthyAnswer(login: job.login, server: job.server)
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            let synced = await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == 1
            }
            #expect(synced)
            let runs = try await fixture.pool.query(
                "SELECT outcome, attempt FROM sync_runs WHERE account_id = $1 ORDER BY enqueued_at", [ids[0]])
            #expect(try runs.map { try $0.string(0) } == ["lost", "ok"])
            #expect(try runs.map { try $0.int(1) } == [1, 2], "lost counts as a retryable failure")
            #expect(try await fixture.metric("klaro_jobs_lost_total") == 1)
            // The lost job's entry is gone from the slot's stream.
            let client = RedisClient(configuration: try RedisConfiguration(url: fixture.redisURL), logger: TestServices.logger())
            let lostJob = hosts[0].vanished.withLock { $0 }.first!
            let entries = try await client.range(stream: ProtocolKeys.queue("h1", 1))
            #expect(!entries.contains { $0.string("job")?.contains(lostJob.uuidString.lowercased()) == true })
            await client.close()
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("a killed worker's slot dies and its accounts are synced on another slot")
    func deadSlotWorkMovesElsewhere() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: fastSettings(deadline: 60, slotDeadAfter: 2))
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 20)
            // h1 takes jobs and never answers; h2 answers.
            let h1 = try TestWorkerHost(host: "h1", slots: 2, redisURL: fixture.redisURL) { _, _, _ in .vanish }
            let h2 = try TestWorkerHost(host: "h2", slots: 2, redisURL: fixture.redisURL) { job, _, _ in
                TestFleet.healthyAnswer(login: job.login, server: job.server)
            }
            try await h1.start()
            try await h2.start()
            try await TestFleet.admit(fixture.pool, hosts: 2, slots: 4)
            let swallowed = await TestHTTP.eventually(timeout: .seconds(20)) { h1.vanished.withLock { !$0.isEmpty } }
            #expect(swallowed)
            await h1.kill()

            // Within slot_dead_after (2 s) plus a few ticks, h1's work is given up and redone on h2.
            let synced = await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == 20
            }
            #expect(synced)
            // Every job h1 swallowed is lost, and so is any still queued for it when it died.
            let lostOnH1 = try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND outcome = 'lost'")
            #expect(lostOnH1 >= h1.vanished.withLock { $0.count } && lostOnH1 > 0)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND outcome <> 'lost'") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM account_schedule WHERE assigned_host = 'h1'") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok' AND host_id = 'h2'") == ids.count)
            await h2.kill()
            await fixture.stop()
        }
    }

    @Test("the same result delivered twice is written once; stale fences and unknown jobs are dead-lettered")
    func duplicatesAndForgeries() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 1)
            // Capture the result instead of answering, then deliver it by hand.
            let captured = Mutex<JobMessage?>(nil)
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                captured.withLock { $0 = job }
                return .vanish
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            #expect(await TestHTTP.eventually { captured.withLock { $0 != nil } })
            let job = try #require(captured.withLock { $0 })
            let client = RedisClient(configuration: try RedisConfiguration(url: fixture.redisURL), logger: TestServices.logger())
            func send(_ message: TestResultMessage) async throws {
                let text = String(decoding: try JSONEncoder().encode(message), as: UTF8.self)
                try await client.xadd(stream: ProtocolKeys.results, fields: [("result", text)])
            }
            let now = EpochMilliseconds.from(Date())
            var result = TestResultMessage(
                job_id: job.jobID.uuidString.lowercased(), account_id: job.accountID.uuidString.lowercased(), host: "h1", slot: 1,
                fence: job.fence, started_at: now, finished_at: now, outcome: "ok", mt5_error: .init(code: 1, message: "Success"),
                login_ms: 100, fetch_ms: 10, account: nil, positions: nil, deals: nil, terminal: nil
            )
            if case .ok(let account, let positions, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) {
                result.account = account
                result.positions = positions
                result.deals = deals
            }
            var staleFence = result
            staleFence.fence = job.fence + 1
            var wrongSlot = result
            wrongSlot.slot = 2
            var unknown = result
            unknown.job_id = UUID().uuidString.lowercased()
            try await send(staleFence)
            try await send(wrongSlot)
            try await send(result)
            try await send(result)
            try await send(unknown)

            let done = await TestHTTP.eventually {
                let dead = try await client.length(stream: ProtocolKeys.dead)
                let duplicates = try await fixture.metric("klaro_results_duplicate_total")
                return dead == 3 && duplicates == 1
            }
            #expect(done)
            #expect(try await fixture.count("SELECT count(*) FROM account_snapshots") == 1)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") == 1)
            #expect(try await fixture.count("SELECT count(*) FROM deals") == 3)
            let dead = try await client.range(stream: ProtocolKeys.dead)
            #expect(Set(dead.compactMap { $0.string("reason") }) == ["stale_fence", "wrong_slot", "unknown_job"])
            #expect(dead.allSatisfy { $0.string("payload")?.contains(job.jobID.uuidString.lowercased()) == true || $0.string("reason") == "unknown_job" })
            #expect(try await fixture.metric("klaro_results_rejected_total{reason=\"stale_fence\"}") == 1)
            #expect(try await fixture.metric("klaro_results_rejected_total{reason=\"unknown_job\"}") == 1)
            // Everything was acknowledged: nothing is left pending for the ingest group.
            #expect(try await client.pendingSummary(stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup).count == 0)
            await client.close()
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("a tick's jobs go out in parts as they are sealed: every job reaches its slot once, the unsendable are given back")
    func dispatchInParts() async throws {
        try await withTestDatabase { database in
            var settings = fastSettings(deadline: 60)
            settings.queueDepth = 16
            let fixture = try await PipelineFixture.start(database, settings: settings)
            let foreign = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "gone")))
            let good = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 156)
            let bad = try await TestFleet.createAccounts(fixture.pool, vault: foreign, count: 4)
            let hosts = try await startHosts(10, slots: 2, redisURL: fixture.redisURL) { job, _, _ in
                TestFleet.healthyAnswer(login: job.login, server: job.server)
            }
            try await TestFleet.admit(fixture.pool, hosts: 10, slots: 20)
            #expect(await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome IS NOT NULL") == 160
            })
            // One tick dispatched at least 128 jobs (one enqueue time): more than one part.
            let largestTick = try await fixture.count("SELECT max(n) FROM (SELECT count(*) AS n FROM sync_runs GROUP BY enqueued_at) t")
            try #require(largestTick >= 128, "the test needs a tick of two parts or more (largest: \(largestTick))")
            let outcomes = try await fixture.pool.query("SELECT account_id, outcome FROM sync_runs")
            var byAccount: [UUID: [String]] = [:]
            for row in outcomes { byAccount[try row.uuid(0), default: []].append(try row.string(1)) }
            #expect(good.allSatisfy { byAccount[$0] == ["ok"] }, "each sendable job ran once")
            #expect(bad.allSatisfy { byAccount[$0] == ["terminal_error"] }, "each unsendable one was given back")
            let received = hosts.reduce(0) { $0 + $1.passwords.withLock { $0.count } }
            #expect(received == 156)
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("a password klarod cannot decrypt is never sent: the run fails and the account waits an interval")
    func undecryptablePassword() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            let foreign = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "gone")))
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: foreign, count: 1)
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                TestFleet.healthyAnswer(login: job.login, server: job.server)
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            #expect(await TestHTTP.eventually {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'terminal_error'") == 1
            })
            let account = try await fixture.pool.query(
                """
                SELECT s.last_error_message, s.next_sync_at > now() + interval '10 minutes', s.inflight_job_id IS NULL,
                       s.consecutive_failures, s.attempt, s.last_outcome, s.last_error_code, s.interval_anchor = s.next_sync_at
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1
                """,
                [ids[0]])
            #expect(try account[0].string(0).contains("credentials could not be prepared"))
            #expect(try account[0].bool(1))
            #expect(try account[0].bool(2))
            // Written by the statement that ends every job: one more failure, a new interval.
            #expect(try account[0].int(3) == 1)
            #expect(try account[0].int(4) == 1)
            #expect(try account[0].string(5) == "terminal_error")
            #expect(try account[0].int(6) == -2)
            #expect(try account[0].bool(7))
            let run = try await fixture.pool.query(
                "SELECT state, error_code, finished_at IS NOT NULL, started_at IS NULL FROM sync_runs WHERE account_id = $1", [ids[0]])
            #expect(try run[0].string(0) == "finished" && run[0].int(1) == -2 && run[0].bool(2) && run[0].bool(3))
            #expect(hosts[0].passwords.withLock { $0.isEmpty }, "no job reached the worker")
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("1,000 malformed results are all dead-lettered and klarod keeps working")
    func malformedResults() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            let client = RedisClient(configuration: try RedisConfiguration(url: fixture.redisURL), logger: TestServices.logger())
            var generator = SplitMix(seed: 42)
            var commands: [[[UInt8]]] = []
            let valid = """
                {"v":1,"job_id":"\(UUID().uuidString)","account_id":"\(UUID().uuidString)","host":"h1","slot":1,"fence":1,
                 "started_at":1764057600000,"finished_at":1764057601000,"outcome":"ok","mt5_error":null,"login_ms":1,
                 "fetch_ms":1,"account":null,"positions":null,"deals":null,"terminal":null}
                """
            for index in 0..<1000 {
                let payload: [UInt8]
                switch index % 8 {
                case 0: payload = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                case 1: payload = Array(valid.replacingOccurrences(of: "\"slot\":1", with: "\"slot\":\"one\"").utf8)
                case 2: payload = Array(valid.replacingOccurrences(of: "\"fence\":1,", with: "").utf8)
                case 3: payload = Array(valid.replacingOccurrences(of: "\"deals\":null", with: "\"deals\":[" + Array(repeating: "{}", count: 30_000).joined(separator: ",") + "]").utf8)
                case 4: payload = Array(valid.replacingOccurrences(of: "\"v\":1", with: "\"v\":2").utf8)
                case 5: payload = Array("[1,2,3]".utf8)
                case 6: payload = Array(valid.replacingOccurrences(of: "\"outcome\":\"ok\"", with: "\"outcome\":\"lost\"").utf8)
                default: payload = Array(valid.utf8)  // well-formed, but ok with no data and no such job
                }
                commands.append([Array("XADD".utf8), Array(ProtocolKeys.results.utf8), Array("*".utf8), Array("result".utf8), payload])
            }
            // And one entry without a result field at all.
            commands.append(["XADD", ProtocolKeys.results, "*", "other", "x", "res", "{\"v\":1}"].map { Array($0.utf8) })
            let ids = try await client.pipeline(commands)
            let allDead = await TestHTTP.eventually(timeout: .seconds(60)) { try await client.length(stream: ProtocolKeys.dead) == 1001 }
            #expect(allDead)
            // The entry without a result keeps what it had: its fields, as a JSON object.
            let dead = try await client.range(stream: ProtocolKeys.dead, count: 2000)
            let noResult = try #require(dead.first { $0.string("source_id") == ids.last?.string })
            #expect(noResult.string("reason") == "invalid_json")
            #expect(noResult.string("payload") == nil)
            #expect(noResult.string("fields") == #"{"other":"x","res":"{\"v\":1}"}"#)
            #expect(dead.first { $0.string("source_id") == ids.first?.string }?.fields["payload"] != nil)
            let text = try await TestHTTP.get(fixture.klarod.baseURL + "/metrics").text
            let rejected = text.split(separator: "\n").filter { $0.hasPrefix("klaro_results_rejected_total{") }
                .compactMap { $0.split(separator: " ").last.flatMap { Double($0) } }.reduce(0, +)
            #expect(rejected == 1001)
            #expect(try await client.pendingSummary(stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup).count == 0)

            // Still working: a real account syncs afterwards.
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 1)
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                TestFleet.healthyAnswer(login: job.login, server: job.server)
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            #expect(await TestHTTP.eventually { try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") == 1 })
            #expect(try await TestHTTP.get(fixture.klarod.baseURL + "/readyz").status == 200)
            await client.close()
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}

/// A small seeded generator for reproducible junk.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
