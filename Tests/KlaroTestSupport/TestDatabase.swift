import Foundation
import KlaroPostgres
import Logging

/// A database of one test's own on the shared server: empty, or a copy of a migrated
/// template. Dropped by ``withTestDatabase(migrated:_:)`` when the test ends.
public struct TestDatabase: Sendable {
    public let name: String
    public let url: String

    /// Serialises template creation and copies (a template must not be in use while copied).
    private static let gate = AsyncGate()
    private static let templateName = "klaro_template_\(UUID().uuidString.prefix(8).lowercased())"

    /// Creates a database; `migrated` copies the template that has every migration applied.
    public static func create(migrated: Bool = true) async throws -> TestDatabase {
        let admin = try TestServices.postgresAdminURL()
        let name = "klaro_test_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
        try await gate.run {
            try await PostgresPool.with(.init(url: admin, size: 1), logger: TestServices.logger()) { pool in
                if migrated {
                    try await ensureTemplate(adminPool: pool, adminURL: admin)
                    try await pool.execute("CREATE DATABASE \(name) TEMPLATE \(templateName)")
                } else {
                    try await pool.execute("CREATE DATABASE \(name)")
                }
            }
        }
        return TestDatabase(name: name, url: postgresURL(admin, database: name))
    }

    /// Drops the database, closing any connection still open to it.
    public func drop() async throws {
        try await PostgresPool.with(.init(url: try TestServices.postgresAdminURL(), size: 1), logger: TestServices.logger()) { pool in
            try await pool.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    /// A pool on this database.
    public func pool(size: Int = 4) -> PostgresPool {
        PostgresPool(configuration: .init(url: url, size: size, applicationName: "klaro-test"), logger: TestServices.logger())
    }

    private static func ensureTemplate(adminPool: PostgresPool, adminURL: String) async throws {
        let exists = try await adminPool.query("SELECT 1 FROM pg_database WHERE datname = $1", [templateName])
        guard exists.isEmpty else { return }
        try await adminPool.execute("CREATE DATABASE \(templateName)")
        try await PostgresPool.with(.init(url: postgresURL(adminURL, database: templateName), size: 1), logger: TestServices.logger()) { pool in
            try await Migrator(pool: pool, migrations: try Migration.bundled(), logger: TestServices.logger()).migrate()
        }
    }
}

/// Runs `body` with a fresh database and drops it afterwards, whether `body` throws or not.
public func withTestDatabase<T: Sendable>(
    migrated: Bool = true, _ body: (TestDatabase) async throws -> T
) async throws -> T {
    let database = try await TestDatabase.create(migrated: migrated)
    do {
        let value = try await body(database)
        try? await database.drop()
        return value
    } catch {
        try? await database.drop()
        throw error
    }
}

/// Runs async closures one at a time.
actor AsyncGate {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func run<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        while busy {
            await withCheckedContinuation { waiting.append($0) }
        }
        busy = true
        defer {
            busy = false
            if !waiting.isEmpty { waiting.removeFirst().resume() }
        }
        return try await body()
    }
}
