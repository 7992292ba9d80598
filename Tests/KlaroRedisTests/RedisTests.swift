import Foundation
@testable import KlaroRedis
import KlaroTestSupport
import Testing

@Suite("RedisClient against a real Redis")
struct RedisTests {
    @Test("a closed client's connection is gone while a process spawned during it still runs (close-on-exec socket)")
    func socketNotInherited() async throws {
        let client = try await TestRedis.client()
        let id = try #require(try await client.command(["CLIENT", "ID"]).int)
        var child: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/sleep"), strdup("60"), nil]
        defer { argv.forEach { free($0) } }
        #expect(posix_spawn(&child, "/bin/sleep", nil, nil, argv, environ) == 0)
        defer {
            kill(child, SIGKILL)
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        await client.close()
        // Redis drops a connection when its last descriptor closes: at once unless the child
        // holds a copy, and then only when the child exits (a minute here).
        let probe = try await TestRedis.client()
        #expect(await TestHTTP.eventually(timeout: .seconds(20)) {
            try await probe.command(["CLIENT", "LIST", "ID", String(id)]).string?.isEmpty ?? false
        })
        await probe.close()
    }

    @Test("a stream round trip through a consumer group")
    func streamRoundTrip() async throws {
        let client = try await TestRedis.client()
        try await client.createGroup(stream: "s", group: "g")
        try await client.createGroup(stream: "s", group: "g")  // BUSYGROUP is not an error
        let payload = "{\"a\": \"ünïcødé\\n\", \"b\": [1, 2]}"
        let id = try await client.xadd(stream: "s", maxLength: 1000, fields: [("job", payload), ("n", "1")])
        let entries = try await client.readGroup(stream: "s", group: "g", consumer: "c1", count: 10, blockMilliseconds: 100)
        #expect(entries.count == 1)
        #expect(entries.first?.id == id)
        #expect(entries.first?.string("job") == payload)
        #expect(entries.first?.string("n") == "1")

        // Pending until acknowledged; visible to the same consumer with id 0.
        let pending = try await client.readGroup(stream: "s", group: "g", consumer: "c1", count: 10, blockMilliseconds: nil, id: "0")
        #expect(pending.map(\.id) == [id])
        #expect(try await client.pendingSummary(stream: "s", group: "g").count == 1)
        #expect(try await client.ack(stream: "s", group: "g", ids: [id]) == 1)
        #expect(try await client.pendingSummary(stream: "s", group: "g").count == 0)

        // A blocking read with nothing to read returns empty after the block time.
        let none = try await client.readGroup(stream: "s", group: "g", consumer: "c1", count: 10, blockMilliseconds: 50)
        #expect(none.isEmpty)
        await client.close()
    }

    @Test("XAUTOCLAIM takes over an entry left idle by another consumer")
    func autoClaim() async throws {
        let client = try await TestRedis.client()
        try await client.createGroup(stream: "s", group: "g")
        let id = try await client.xadd(stream: "s", fields: [("k", "v")])
        _ = try await client.readGroup(stream: "s", group: "g", consumer: "dead", count: 1, blockMilliseconds: nil)

        let early = try await client.autoClaim(stream: "s", group: "g", consumer: "alive", minIdleMilliseconds: 60_000)
        #expect(early.entries.isEmpty, "not idle long enough yet")

        try await Task.sleep(for: .milliseconds(120))
        let claimed = try await client.autoClaim(stream: "s", group: "g", consumer: "alive", minIdleMilliseconds: 100)
        #expect(claimed.entries.map(\.id) == [id])
        #expect(claimed.entries.first?.string("k") == "v")
        let pending = try await client.pending(stream: "s", group: "g")
        #expect(pending.map(\.consumer) == ["alive"])
        #expect(pending.first?.deliveries == 2)
        await client.close()
    }

    @Test("keys with TTL, hashes, scan and pipelining")
    func keysAndPipelines() async throws {
        let client = try await TestRedis.client()
        try await client.set("klaro:hb:h1:1", "{}", expireSeconds: 15)
        let ttl = try await client.command(["TTL", "klaro:hb:h1:1"]).int ?? -2
        #expect((1...15).contains(ttl))
        try await client.command(["HSET", "h", "a", "1", "b", "2"])
        #expect(try await client.command(["HGET", "h", "b"]).string == "2")
        for index in 0..<50 { try await client.set("klaro:host:h\(index)", "x") }
        #expect(try await client.scan(match: "klaro:host:*", count: 7).count == 50)
        let replies = try await client.pipeline([["INCR", "n"], ["INCR", "n"], ["HGET", "h", "a"], ["LPUSH", "h", "x"]])
        #expect(replies[0] == .integer(1))
        #expect(replies[1] == .integer(2))
        #expect(replies[2].string == "1")
        guard case .error(let message) = replies[3] else {
            Issue.record("a wrong-type command answers with an error reply")
            return
        }
        #expect(message.hasPrefix("WRONGTYPE"))
        await #expect(throws: RedisError.self) { try await client.command(["NOSUCHCOMMAND"]) }
        await client.close()
    }

    @Test("the client reconnects after the Redis server restarts")
    func reconnectAfterRestart() async throws {
        let server = try DedicatedRedis()
        defer { server.destroy() }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url), logger: TestServices.logger())
        try await client.ping()
        try server.stop()
        do {
            try await client.ping()
            Issue.record("a command while Redis is down must fail")
        } catch {
            #expect(error.isConnectionError)
            #expect("\(error)".contains("127.0.0.1:\(server.port)"))
        }
        try server.start()
        // The client backs off after failures; it must come back within a few seconds.
        var recovered = false
        for _ in 0..<100 where !recovered {
            do {
                try await client.ping()
                recovered = true
            } catch {
                try await Task.sleep(for: .milliseconds(100))
            }
        }
        #expect(recovered)
        try await client.set("after", "restart")
        #expect(try await client.get("after") == "restart")
        await client.close()
    }

    @Test("after a long outage the client answers within a second of Redis answering again")
    func boundedReconnectBackoff() async throws {
        let server = try DedicatedRedis()
        defer { server.destroy() }
        let client = RedisClient(configuration: try RedisConfiguration(url: server.url), logger: TestServices.logger())
        try await client.ping()
        try server.stop()
        // Commands keep failing for 3 s and at least 5 failures (a loaded machine fits fewer
        // in 3 s), long enough for an unbounded doubling backoff to push the next attempt
        // seconds past Redis's return. A minute without 5 failures means commands hang.
        let outage = ContinuousClock.now
        var attempts = 0
        while ContinuousClock.now - outage < .seconds(3) || (attempts < 5 && ContinuousClock.now - outage < .seconds(60)) {
            do {
                try await client.ping()
                Issue.record("Redis is down: a command must fail")
            } catch {
                attempts += 1
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(attempts >= 5)
        try server.start()
        try await Task.sleep(for: .seconds(1))
        // One command, no retry loop: the backoff must already allow a new connection.
        try await client.ping()
        await client.close()
    }

    @Test("the reconnect backoff doubles from 50 ms and never exceeds 500 ms")
    func reconnectDelays() {
        #expect(RedisClient.reconnectDelay(failures: 0) == .zero)
        #expect((1...5).map { RedisClient.reconnectDelay(failures: $0) } == [50, 100, 200, 400, 500].map { .milliseconds($0) })
        #expect([6, 20, 64, 10_000, Int.max].allSatisfy { RedisClient.reconnectDelay(failures: $0) == .milliseconds(500) })
    }

    @Test("URLs parse, and errors never repeat the password")
    func configurationParsing() throws {
        let configuration = try RedisConfiguration(url: "redis://worker-a:s3cr%40t@redis.internal:6380/3")
        #expect(configuration.host == "redis.internal")
        #expect(configuration.port == 6380)
        #expect(configuration.database == 3)
        #expect(configuration.username == "worker-a")
        #expect(configuration.password == "s3cr@t")
        #expect(configuration.target == "redis.internal:6380/3")
        for bad in ["http://x", "redis://", "redis://h:70000", "redis://u:hunter2@h/abc"] {
            do {
                _ = try RedisConfiguration(url: bad)
                Issue.record("\(bad) must be refused")
            } catch {
                #expect(!"\(error)".contains("hunter2"))
            }
        }
    }
}
