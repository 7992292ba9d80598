import Foundation
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle

/// What `/readyz` reports: each dependency with whether it is up and, if not, why.
public struct ReadinessReport: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public var up: Bool
        public var error: String?
    }

    public var ready: Bool
    public var postgres: Check
    public var redis: Check
    public var migrations: Check

    /// The names of the dependencies that are down, for messages.
    public var down: [String] {
        [("postgres", postgres), ("redis", redis), ("migrations", migrations)].filter { !$0.1.up }.map(\.0)
    }
}

/// Checks PostgreSQL, Redis and the schema version, keeps `klaro_dependency_up` current, and
/// answers `/readyz`. It is a `Service` that re-checks every few seconds so the gauges stay
/// fresh when nobody asks.
public final class DependencyChecker: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let migrator: Migrator
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration
    private let timeout: Duration

    /// - Parameter redis: a client of its own, so a check never waits behind other work.
    public init(
        pool: PostgresPool, redis: RedisClient, migrator: Migrator, metrics: KlaroMetrics, logger: Logger,
        interval: Duration = .seconds(5), timeout: Duration = .seconds(2)
    ) {
        self.pool = pool
        self.redis = redis
        self.migrator = migrator
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        self.timeout = timeout
    }

    public func run() async throws {
        var previous: [String] = []
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let report = await check()
            if report.down != previous {
                if report.ready {
                    logger.notice("dependencies are up")
                } else {
                    logger.warning("dependencies are down", metadata: ["down": "\(report.down.joined(separator: ","))"])
                }
                previous = report.down
            }
            await pause(for: interval)
        }
        await redis.close()
    }

    /// Checks everything now (each check bounded by the timeout) and updates the gauges.
    public func check() async -> ReadinessReport {
        async let postgres = bounded { [pool] in try await pool.ping() }
        async let redis = bounded { [redis] in try await redis.ping() }
        let postgresCheck = await postgres
        var migrations = ReadinessReport.Check(up: false, error: "PostgreSQL is down")
        if postgresCheck.up {
            migrations = await bounded { [migrator] in
                guard try await migrator.isCurrent() else { throw ReadinessError.migrationsPending }
            }
        }
        let redisCheck = await redis
        let report = ReadinessReport(
            ready: postgresCheck.up && migrations.up && redisCheck.up,
            postgres: postgresCheck,
            redis: redisCheck,
            migrations: migrations
        )
        metrics.dependencyUp(.postgres).set(report.postgres.up ? 1.0 : 0.0)
        metrics.dependencyUp(.redis).set(report.redis.up ? 1.0 : 0.0)
        return report
    }

    private func bounded(_ body: @escaping @Sendable () async throws -> Void) async -> ReadinessReport.Check {
        let timeout = self.timeout
        return await withTaskGroup(of: ReadinessReport.Check?.self) { group in
            group.addTask {
                do {
                    try await body()
                    return ReadinessReport.Check(up: true, error: nil)
                } catch {
                    return ReadinessReport.Check(up: false, error: "\(error)")
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return Task.isCancelled ? nil : ReadinessReport.Check(up: false, error: "no answer within \(timeout)")
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? ReadinessReport.Check(up: false, error: "cancelled")
        }
    }
}

enum ReadinessError: Error, CustomStringConvertible {
    case migrationsPending

    var description: String { "migrations are pending: run `klarod migrate`" }
}
