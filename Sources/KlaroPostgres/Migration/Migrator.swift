import Foundation
import Logging

/// Applies migrations in order, inside a PostgreSQL advisory lock, recording each in
/// `schema_migrations`. Two migrators started at once take turns; the second finds nothing
/// left to do.
public struct Migrator: Sendable {
    /// Advisory lock key shared by every klarod ("klaro" + 1).
    static let lockKey: Int64 = 0x6b6c_6172_6f00_0001

    public let migrations: [Migration]
    private let pool: PostgresPool
    private let logger: Logger

    public init(pool: PostgresPool, migrations: [Migration], logger: Logger) {
        self.pool = pool
        self.migrations = migrations
        self.logger = logger
    }

    /// Applies every pending migration and returns the ones it applied.
    @discardableResult
    public func migrate() async throws -> [Migration] {
        let migrations = self.migrations
        let logger = self.logger
        return try await pool.withConnection(retryOnConnectionLoss: false) { connection in
            try connection.simpleQuery("SET statement_timeout = 0")
            try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey])
            defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey]) }
            try Self.createTable(connection)
            let applied = try Self.appliedChecksums(connection)
            var done: [Migration] = []
            for migration in migrations {
                if let checksum = applied[migration.version] {
                    guard checksum == migration.checksum else {
                        throw MigrationError.modified(version: migration.version, name: migration.name)
                    }
                    continue
                }
                logger.info("applying migration", metadata: ["version": "\(migration.version)", "name": "\(migration.name)"])
                try connection.simpleQuery("BEGIN")
                do {
                    try connection.simpleQuery(migration.sql)
                    try connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                        [migration.version, migration.name, migration.checksum]
                    )
                    try connection.simpleQuery("COMMIT")
                } catch {
                    try? connection.simpleQuery("ROLLBACK")
                    throw error
                }
                done.append(migration)
            }
            return done
        }
    }

    /// The state of every known and every recorded migration, by version.
    public func status() async throws -> [MigrationStatus] {
        let migrations = self.migrations
        return try await pool.withConnection { connection in
            let exists = try connection.query("SELECT to_regclass('schema_migrations') IS NOT NULL")
            var recorded: [Int: (name: String, checksum: String, at: Date)] = [:]
            if try exists[0].bool(0) {
                for row in try connection.query("SELECT version, name, checksum, applied_at FROM schema_migrations") {
                    recorded[try row.int(0)] = (try row.string(1), try row.string(2), try row.date(3))
                }
            }
            var result = migrations.map { migration -> MigrationStatus in
                guard let entry = recorded.removeValue(forKey: migration.version) else {
                    return MigrationStatus(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
                }
                let state: MigrationStatus.State = entry.checksum == migration.checksum ? .applied : .modified
                return MigrationStatus(version: migration.version, name: migration.name, state: state, appliedAt: entry.at)
            }
            result += recorded.map { MigrationStatus(version: $0.key, name: $0.value.name, state: .unknown, appliedAt: $0.value.at) }
            return result.sorted { $0.version < $1.version }
        }
    }

    /// True when every bundled migration is applied unchanged.
    public func isCurrent() async throws -> Bool {
        try await status().allSatisfy { $0.state == .applied || $0.state == .unknown }
    }

    private static func createTable(_ connection: PostgresConnection) throws {
        try connection.simpleQuery("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now()
            )
            """)
    }

    private static func appliedChecksums(_ connection: PostgresConnection) throws -> [Int: String] {
        var applied: [Int: String] = [:]
        for row in try connection.query("SELECT version, checksum FROM schema_migrations") {
            applied[try row.int(0)] = try row.string(1)
        }
        return applied
    }
}
