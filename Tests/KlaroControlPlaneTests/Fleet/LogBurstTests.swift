import Foundation
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Synchronization
import Testing
@testable import KlaroControlPlane

/// A burst of lost jobs or dead slots is one warning per tick, the detail at debug (issue 16).
@Suite("Log bursts: one summary line per event kind")
struct LogBurstTests {
    @Test("many slots dying in one refresh log one warning with the count and a few examples")
    func deadSlots() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let redis = try await TestRedis.client()
            let logs = RecordingLogHandler.Store()
            let logger = RecordingLogHandler.logger("fleet", store: logs)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics
            let monitor = FleetMonitor(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: logger),
                settings: adminSettings(), metrics: metrics, logger: logger
            )
            try await insertHost(pool, "h1", slots: 4)
            try await insertHost(pool, "h2", slots: 4)
            try await pool.execute("UPDATE terminal_slots SET last_heartbeat_at = now() - interval '1 day'")
            try await monitor.refresh()

            let records = logs.records.withLock { $0 }
            let warnings = records.filter { $0.level >= .warning && $0.message.contains("dead") }
            #expect(warnings.count == 1, "\(warnings.map(\.message))")
            let summary = try #require(warnings.first)
            #expect(summary.message == "slots dead: no heartbeat")
            #expect(summary.metadata["count"] == "8")
            #expect("\(summary.metadata["examples"] ?? "")".split(separator: ",").count == BurstLog.exampleCount)
            #expect(records.count { $0.level == .debug && $0.message == "slot is dead: no heartbeat" } == 8)
            await redis.close()
            await pool.close()
        }
    }

    @Test("thousands of lost jobs in one sweep log one warning with counts by cause")
    func lostJobs() {
        let logs = RecordingLogHandler.Store()
        let jobs = (0..<2_000).map { n in
            Rescuer.LostJob(jobID: UUID(), accountID: UUID(), host: "h\(n % 5)", slot: n % 4, slotDied: n % 2 == 0)
        }
        Rescuer.report(jobs, logger: RecordingLogHandler.logger("rescuer", store: logs))
        let records = logs.records.withLock { $0 }
        let warnings = records.filter { $0.level >= .warning }
        #expect(warnings.count == 1)
        let summary = warnings.first
        #expect(summary?.message == "jobs lost")
        #expect(summary?.metadata["count"] == "2000")
        #expect(summary?.metadata["slot_dead"] == "1000" && summary?.metadata["deadline_passed"] == "1000")
        #expect(summary?.metadata["hosts"] == "5")
        let examples = "\(summary?.metadata["examples"] ?? "")".split(separator: ",").map(String.init)
        #expect(examples == jobs.prefix(3).map { $0.jobID.uuidString.lowercased() })
        #expect(records.count { $0.level == .debug && $0.message == "job lost" } == 2_000)
    }
}
