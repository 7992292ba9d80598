import Foundation
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Testing

@Suite("klarod shutdown")
struct ShutdownTests {
    @Test("graceful shutdown closes every Redis connection and the leader's session")
    func closesEveryConnection() async throws {
        let redis = try DedicatedRedis()
        defer { redis.destroy() }
        try await withTestDatabase { database in
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: redis.url)
            )
            let probe = RedisClient(configuration: try RedisConfiguration(url: redis.url), logger: TestServices.logger())
            let pool = database.pool(size: 1)
            let clients = { try await probe.command(["CLIENT", "LIST"]).string?.split(separator: "\n").count ?? 0 }
            let leaderSessions = {
                try await pool.query("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'klarod-leader' AND datname = current_database()")[0].int(0)
            }
            // The health checker, the ingest consumers and the leader's fleet loop are connected by now.
            #expect(await TestHTTP.eventually { try await clients() >= 4 })
            #expect(await TestHTTP.eventually { try await leaderSessions() == 1 })
            await klarod.stop()
            // Alone the connections are gone within a second; with the whole suite running in
            // parallel on two cores it took more than 15 s twice (cause not found yet: each
            // client's thread closes only after its last command returns).
            #expect(await TestHTTP.eventually(timeout: .seconds(45)) { try await clients() == 1 }, "only the probe is left")
            #expect(try await leaderSessions() == 0)
            await probe.close()
            await pool.close()
        }
    }
}
