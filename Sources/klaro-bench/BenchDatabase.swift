import ArgumentParser
import Foundation
import KlaroPostgres
import KlaroRedis
import Logging

/// Where a benchmark runs: a fresh database on the given PostgreSQL server (dropped
/// afterwards) and an emptied Redis database.
struct BenchServers: ParsableArguments {
    @Option(help: "libpq URL of a PostgreSQL server whose user may create databases (default: KLARO_DATABASE_URL, then KLARO_TEST_DATABASE_URL).")
    var databaseURL: String?

    @Option(help: "Redis URL; a benchmark that queues jobs flushes the database in it (default: KLARO_REDIS_URL, then KLARO_TEST_REDIS_URL).")
    var redisURL: String?

    func resolved() throws -> (database: String, redis: String) {
        let environment = ProcessInfo.processInfo.environment
        guard let database = databaseURL ?? environment["KLARO_DATABASE_URL"] ?? environment["KLARO_TEST_DATABASE_URL"],
              let redis = redisURL ?? environment["KLARO_REDIS_URL"] ?? environment["KLARO_TEST_REDIS_URL"]
        else { throw ValidationError("give --database-url and --redis-url (or KLARO_DATABASE_URL and KLARO_REDIS_URL); ops/bench sets them") }
        return (database, redis)
    }
}

/// A throwaway, migrated database for one benchmark run.
struct BenchDatabase {
    let name: String
    let url: String
    let adminURL: String

    static func create(adminURL: String, logger: Logger) async throws -> BenchDatabase {
        let name = "klaro_bench_\(UUID().uuidString.prefix(8).lowercased())"
        try await PostgresPool.with(.init(url: adminURL, size: 1), logger: logger) { admin in
            try await admin.execute("CREATE DATABASE \(name)")
        }
        var components = URLComponents(string: adminURL)!
        components.path = "/" + name
        let url = components.string!
        try await PostgresPool.with(.init(url: url, size: 1), logger: logger) { pool in
            try await Migrator(pool: pool, migrations: try Migration.bundled(), logger: logger).migrate()
        }
        return BenchDatabase(name: name, url: url, adminURL: adminURL)
    }

    func drop(logger: Logger) async {
        _ = try? await PostgresPool.with(.init(url: adminURL, size: 1), logger: logger) { admin in
            try await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }
}

/// Summary statistics of timed runs.
struct Timings {
    var samples: [Double] = []

    mutating func add(_ duration: Duration) {
        samples.append(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
    }

    var median: Double {
        let sorted = samples.sorted()
        return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
    }

    var summary: String {
        let sorted = samples.sorted()
        guard let first = sorted.first, let last = sorted.last else { return "no runs" }
        let median = sorted[sorted.count / 2]
        return String(format: "min %.1f ms, median %.1f ms, max %.1f ms (%d runs)", first * 1000, median * 1000, last * 1000, sorted.count)
    }
}

func benchLogger() -> Logger {
    var logger = Logger(label: "klaro-bench")
    logger.logLevel = .warning
    return logger
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
