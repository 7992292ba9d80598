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
            // Closed when stop() returns. (It once took minutes in the full suite: other tests'
            // child processes inherited the sockets until Redis's were made close-on-exec.)
            #expect(await TestHTTP.eventually(timeout: .seconds(5)) { try await clients() == 1 }, "only the probe is left")
            // PQfinish has sent Terminate and closed the socket; the server's backend leaves
            // pg_stat_activity when it has read that, a moment later on a busy machine.
            #expect(await TestHTTP.eventually(timeout: .seconds(5)) { try await leaderSessions() == 0 }, "the leader's session is closed")
            await probe.close()
            await pool.close()
        }
    }
}
