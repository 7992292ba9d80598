import Foundation
import KlaroRedis
import Synchronization

/// A Redis logical database of one test's own on the shared server (ops/test starts Redis
/// with many databases), emptied when handed out.
public enum TestRedis {
    private static let next = Atomic<Int>(1)

    /// A URL for a fresh, empty logical database.
    public static func url() async throws -> String {
        let base = try RedisConfiguration(url: try TestServices.redisBaseURL())
        let database = next.add(1, ordering: .relaxed).oldValue % databases
        var configuration = base
        configuration.database = database
        let client = RedisClient(configuration: configuration, logger: TestServices.logger())
        try await client.command(["FLUSHDB"])
        await client.close()
        return "redis://\(base.host):\(base.port)/\(database)"
    }

    /// A client on a fresh, empty logical database.
    public static func client() async throws -> RedisClient {
        RedisClient(configuration: try RedisConfiguration(url: try await url()), logger: TestServices.logger())
    }

    /// Logical databases the shared server has (`databases` in its configuration).
    static var databases: Int {
        Int(ProcessInfo.processInfo.environment["KLARO_TEST_REDIS_DATABASES"] ?? "") ?? 1024
    }
}
