import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Synchronization
import Testing

/// `curl -N` reading an SSE stream in the background; what it printed so far.
final class StreamReader: @unchecked Sendable {
    /// What curl printed so far, appended from its pipe's handler thread.
    private final class Output: Sendable {
        let text = Mutex("")
    }

    private let process = Process()
    private let output = Output()

    init(url: String, token: String, lastEventID: String? = nil) throws {
        let pipe = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        var arguments = ["-sN", "--max-time", "60", "-H", "Authorization: Bearer \(token)"]
        if let lastEventID { arguments += ["-H", "Last-Event-ID: \(lastEventID)"] }
        process.arguments = arguments + [url]
        process.standardOutput = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if !data.isEmpty { output.text.withLock { $0 += String(decoding: data, as: UTF8.self) } }
        }
        try process.run()
    }

    var text: String { output.text.withLock { $0 } }

    var isRunning: Bool { process.isRunning }

    func stop() {
        if process.isRunning { process.terminate() }
    }
}

@Suite("Live account events: NOTIFY from the ingest, /api/events as SSE")
struct EventStreamTests {
    @Test("a committed sync is announced on the channel, with its user, outcome and status")
    func ingestNotifies() async throws {
        try await withTestDatabase { database in
            let redisURL = try await TestRedis.url()
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: redisURL, sync: fastSettings()))
            let listener = PostgresListener(url: database.url, channel: AccountEvent.channel, applicationName: "test-listen")
            _ = try listener.wait(timeout: 0.1) // LISTEN before anything commits
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try #require(klarod.controlPlane.configuration.credentialKeys))
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 2) { $0 == 0 ? "good" : "bad" }
            let hosts = try await startHosts(1, slots: 2, redisURL: redisURL) { job, seen, _ in
                seen == "good" ? TestFleet.healthyAnswer(login: job.login, server: job.server)
                    : .failure(outcome: "auth_failed", code: -6, message: "Terminal: Authorization failed")
            }
            try await TestFleet.admit(pool, hosts: 1, slots: 2)
            var events: [UUID: AccountEvent] = [:]
            let deadline = Date().addingTimeInterval(30)
            while events.count < 2 && Date() < deadline {
                for payload in try listener.wait(timeout: 0.5) {
                    if let event = AccountEvent.decode(payload: payload) { events[event.accountID] = event }
                }
            }
            let user = try await pool.query("SELECT user_id FROM user_mt5_accounts WHERE id = $1", [ids[0]])[0].uuid(0)
            let good = try #require(events[ids[0]])
            #expect(good.userID == user && good.outcome == "ok" && good.status == "active" && good.kind == "sync_finished")
            let bad = try #require(events[ids[1]])
            #expect(bad.outcome == "auth_failed" && bad.status == "auth_failed" && bad.kind == "sync_failed")
            let synced = try await pool.query("SELECT floor(extract(epoch FROM last_synced) * 1000)::bigint FROM account_schedule WHERE account_id = $1", [ids[0]])
            #expect(good.at == (try synced[0].int64(0)))
            listener.close()
            for host in hosts { await host.kill() }
            await klarod.stop()
            await pool.close()
        }
    }

    @Test("/api/events streams the caller's events only, resumes from Last-Event-ID, and needs a token")
    func stream() async throws {
        try await APIServer.with { server in
            let owner = TestJWT.user(), stranger = TestJWT.user()
            let account = try await server.addAccount(token: owner.token)
            let hub = server.klarod.controlPlane.accountEvents
            #expect(await TestHTTP.eventually { hub.isListening })

            let unauthorized = try await server.call("GET", "/api/events", token: nil)
            #expect(unauthorized.status == 401)

            let mine = try StreamReader(url: server.baseURL + "/api/events", token: owner.token)
            let theirs = try StreamReader(url: server.baseURL + "/api/events", token: stranger.token)
            defer { mine.stop(); theirs.stop() }
            #expect(await TestHTTP.eventually { mine.text.contains(": connected") && theirs.text.contains(": connected") })

            try await server.pool.transaction { connection in
                try connection.execute("UPDATE account_schedule SET last_synced = now(), last_outcome = 'ok' WHERE account_id = $1", [account])
                try AccountEventNotifier.notify(accounts: [account], outcomes: ["ok"], connection: connection)
            }
            #expect(await TestHTTP.eventually { mine.text.contains("event: account") })
            #expect(mine.text.contains(account.uuidString.lowercased()))
            #expect(mine.text.contains(#""kind":"sync_finished""#))
            try await Task.sleep(for: .milliseconds(500))
            #expect(!theirs.text.contains("event: account"))

            // A browser that reconnects with an older id gets what it missed at once.
            let resumed = try StreamReader(url: server.baseURL + "/api/events", token: owner.token, lastEventID: "0")
            defer { resumed.stop() }
            #expect(await TestHTTP.eventually { resumed.text.contains(account.uuidString.lowercased()) })
            let current = try StreamReader(url: server.baseURL + "/api/events", token: owner.token, lastEventID: "\(Int64(Date().timeIntervalSince1970 * 1000) + 60_000)")
            defer { current.stop() }
            #expect(await TestHTTP.eventually { current.text.contains(": connected") })
            #expect(!current.text.contains("event: account"))
        }
    }

    @Test("a user's streams are bounded: one more closes their oldest")
    func bounded() async throws {
        try await APIServer.with { server in
            let user = TestJWT.user()
            let hub = server.klarod.controlPlane.accountEvents
            var readers: [StreamReader] = []
            defer { readers.forEach { $0.stop() } }
            for _ in 0..<hub.maxStreamsPerUser {
                readers.append(try StreamReader(url: server.baseURL + "/api/events", token: user.token))
                let newest = readers.last!
                #expect(await TestHTTP.eventually { newest.text.contains(": connected") })
            }
            #expect(hub.streamCount(for: user.id) == hub.maxStreamsPerUser)
            let oldest = readers[0]
            #expect(oldest.isRunning)
            readers.append(try StreamReader(url: server.baseURL + "/api/events", token: user.token))
            #expect(await TestHTTP.eventually { !oldest.isRunning }, "the oldest stream ended")
            #expect(hub.streamCount(for: user.id) == hub.maxStreamsPerUser)
        }
    }
}
