import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Synchronization
import Testing

@Suite("Structured logs of a sync")
struct SyncLogTests {
    @Test("each sync logs job, account, host, slot and outcome, which reach journald as KLARO_* fields; no password")
    func syncLogFields() async throws {
        try await withTestDatabase { database in
            let store = RecordingLogHandler.Store()
            let redisURL = try await TestRedis.url()
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: redisURL, sync: fastSettings()),
                logger: RecordingLogHandler.logger("klarod", store: store)
            )
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try #require(klarod.controlPlane.configuration.credentialKeys))
            let password = "Log-Pa55-Secret"
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 2) { _ in password }
            let hosts = try await startHosts(1, slots: 2, redisURL: redisURL) { job, seen, _ in
                seen == password ? TestFleet.healthyAnswer(login: job.login, server: job.server)
                    : .failure(outcome: "auth_failed", code: -6, message: "Terminal: Authorization failed")
            }
            try await TestFleet.admit(pool, hosts: 1, slots: 2)
            let logged = await TestHTTP.eventually {
                store.records.withLock { $0.filter { $0.message == "sync finished" }.count } == 2
            }
            #expect(logged)
            let records = store.records.withLock { $0 }
            let sync = try #require(records.first { $0.message == "sync finished" })
            let entry = JournalEntry(
                message: sync.message, level: sync.level, identifier: "klarod", loggerLabel: sync.label, file: sync.file,
                function: sync.function, line: sync.line, metadata: sync.metadata
            )
            let fields = Dictionary(
                JournalFieldEncoder.encode(entry).map { field -> (String, String) in
                    let text = String(decoding: field, as: UTF8.self)
                    let equals = text.firstIndex(of: "=")!
                    return (String(text[..<equals]), String(text[text.index(after: equals)...]))
                },
                uniquingKeysWith: { first, _ in first }
            )
            #expect(fields["MESSAGE"] == "sync finished")
            #expect(fields["PRIORITY"] == "6")
            #expect(fields["KLARO_OUTCOME"] == "ok")
            #expect(fields["KLARO_HOST"] == "h1")
            #expect(["1", "2"].contains(fields["KLARO_SLOT"] ?? ""))
            #expect(fields["KLARO_ACCOUNT_ID"].flatMap(UUID.init(uuidString:)).map(ids.contains) == true)
            #expect(fields["KLARO_JOB_ID"].flatMap(UUID.init(uuidString:)) != nil)
            #expect(fields["CODE_FILE"]?.hasSuffix("Ingestor.swift") == true)
            // Nothing any part of klarod logged holds the password.
            let everything = records.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            #expect(!everything.contains(password))
            #expect(everything.contains("dispatched"))
            for host in hosts { await host.kill() }
            await klarod.stop()
            await pool.close()
        }
    }
}

