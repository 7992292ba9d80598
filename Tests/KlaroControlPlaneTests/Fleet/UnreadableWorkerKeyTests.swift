import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Logging
import Synchronization
import Testing

@Suite("Fleet monitor: worker keys that break the protocol")
struct UnreadableWorkerKeyTests {
    @Test("an unreadable registration is ignored and reported once, not on every refresh")
    func reportedOnce() async throws {
        try await withTestDatabase { database in
            let store = RecordingLogHandler.Store()
            let redisURL = try await TestRedis.url()
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: redisURL),
                logger: RecordingLogHandler.logger("klarod", store: store)
            )
            let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: TestServices.logger())
            try await redis.set("klaro:host:broken", "{\"v\":1,\"host\":\"broken\"}")
            for _ in 0..<3 { try await klarod.controlPlane.fleetMonitor.refresh() }
            let warnings = store.records.withLock { $0.filter { $0.message.contains("does not follow protocol v1") } }
            #expect(warnings.count == 1)
            let key = warnings.first.map { "\($0.metadata["key"] ?? "-")" }
            let error = warnings.first.map { "\($0.metadata["error"] ?? "-")" } ?? ""
            #expect(key == "klaro:host:broken")
            #expect(error.contains("missing"), "\(error)")
            let pool = database.pool()
            #expect(try await pool.query("SELECT count(*) FROM worker_hosts")[0].int(0) == 0)
            await pool.close()
            await redis.close()
            await klarod.stop()
        }
    }
}

