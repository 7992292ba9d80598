import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Testing

@Suite("Fleet: housekeeping")
struct HousekeepingTests {
    @Test("trimming klaro:results never removes an entry that is pending or not yet delivered")
    func trimResults() async throws {
        try await withTestDatabase { database in
            let redis = try await TestRedis.client()
            let pool = database.pool()
            let logger = TestServices.logger()
            let metrics = MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")).metrics
            let housekeeping = Housekeeping(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: logger),
                settings: SyncSettings(), logger: logger
            )
            let stream = ProtocolKeys.results, group = ProtocolKeys.ingestGroup
            try await redis.createGroup(stream: stream, group: group)
            func add(_ count: Int) async throws -> [String] {
                var ids: [String] = []
                for index in 0..<count { ids.append(try await redis.xadd(stream: stream, fields: [("result", "{\"n\": \(index)}")])) }
                return ids
            }
            func kept(from id: String) async throws -> [String] {
                try await redis.range(stream: stream, start: id, count: 1000).map(\.id)
            }
            // XTRIM MINID ~ drops whole stream nodes (100 entries at most each), so a result
            // pending in the second hundred is lost if the trim goes by the last delivered id alone.
            var ids = try await add(300)

            // Nothing delivered yet: nothing goes.
            try await housekeeping.trimResults()
            #expect(try await redis.length(stream: stream) == 300)

            // All delivered, all acknowledged but ten in the middle: from the first of those on, everything stays.
            #expect(try await redis.readGroup(stream: stream, group: group, consumer: "c", count: 300, blockMilliseconds: nil).count == 300)
            let pending = Array(ids[150..<160])
            #expect(try await redis.ack(stream: stream, group: group, ids: ids.filter { !pending.contains($0) }) == 290)
            try await housekeeping.trimResults()
            #expect(try await redis.length(stream: stream) < 300, "acknowledged results before them were trimmed")
            #expect(try await kept(from: ids[150]) == Array(ids[150...]))
            #expect(try await redis.pendingSummary(stream: stream, group: group).count == 10)

            // Nothing pending, 300 more not yet delivered: they all stay.
            #expect(try await redis.ack(stream: stream, group: group, ids: pending) == 10)
            ids += try await add(300)
            try await housekeeping.trimResults()
            #expect(try await kept(from: ids[300]) == Array(ids[300...]))
            #expect(try await redis.length(stream: stream) < 450, "acknowledged results were trimmed")
            await redis.close()
            await pool.close()
        }
    }
}
