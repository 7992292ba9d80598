import Foundation
import KlaroPostgres
import KlaroRedis
import Logging
import Synchronization

/// The PostgreSQL and Redis servers tests share: the ones ops/test started
/// (`KLARO_TEST_DATABASE_URL`, `KLARO_TEST_REDIS_URL`), or, when a developer runs `swift test`
/// alone, servers this process starts for itself.
public enum TestServices {
    private static let shared = Mutex<SharedServers?>(nil)

    private struct SharedServers: Sendable {
        let postgresURL: String
        let redisURL: String
        /// Kept alive for the process when started here.
        let ownPostgres: DedicatedPostgres?
        let ownRedis: DedicatedRedis?
    }

    private static func servers() throws -> SharedServers {
        try shared.withLock { shared in
            if let shared { return shared }
            let environment = ProcessInfo.processInfo.environment
            var ownPostgres: DedicatedPostgres?
            var ownRedis: DedicatedRedis?
            let postgresURL: String
            if let url = environment["KLARO_TEST_DATABASE_URL"] {
                postgresURL = url
            } else {
                let server = try DedicatedPostgres()
                ownPostgres = server
                postgresURL = server.url
            }
            let redisURL: String
            if let url = environment["KLARO_TEST_REDIS_URL"] {
                redisURL = url
            } else {
                let server = try DedicatedRedis()
                ownRedis = server
                redisURL = server.url
            }
            let servers = SharedServers(postgresURL: postgresURL, redisURL: redisURL, ownPostgres: ownPostgres, ownRedis: ownRedis)
            shared = servers
            if ownPostgres != nil || ownRedis != nil {
                atexit { TestServices.stopOwnServers() }
            }
            return servers
        }
    }

    /// Stops the servers this process started for itself.
    static func stopOwnServers() {
        let servers = shared.withLock { $0 }
        servers?.ownPostgres?.destroy()
        servers?.ownRedis?.destroy()
    }

    /// The superuser URL of the shared server's maintenance database.
    public static func postgresAdminURL() throws -> String {
        try servers().postgresURL
    }

    /// The shared Redis server's base URL.
    public static func redisBaseURL() throws -> String {
        try servers().redisURL
    }

    /// A logger for tests: quiet unless `KLARO_TEST_LOG` names a level.
    public static func logger(_ label: String = "test") -> Logger {
        var logger = Logger(label: label)
        let level = ProcessInfo.processInfo.environment["KLARO_TEST_LOG"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }
}

/// Replaces the database name (path) of a libpq URL.
public func postgresURL(_ url: String, database: String) -> String {
    guard var components = URLComponents(string: url) else { return url }
    components.path = "/" + database
    return components.string ?? url
}
