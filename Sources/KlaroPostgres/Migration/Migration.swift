import Foundation

/// One schema migration: a SQL file named `NNNN_name.sql` shipped as a resource.
public struct Migration: Sendable, Equatable {
    public let version: Int
    public let name: String
    public let sql: String

    /// SHA-256 is not in Foundation on Linux; FNV-1a over the text is enough to notice that an
    /// applied migration was edited afterwards.
    public var checksum: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return String(hash, radix: 16)
    }

    public init(version: Int, name: String, sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }

    /// The migrations bundled with this build, in version order.
    public static func bundled() throws -> [Migration] {
        guard let directory = Bundle.module.resourceURL?.appendingPathComponent("Migrations"),
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else {
            throw MigrationError.missingResources
        }
        return try load(names.filter { $0.hasSuffix(".sql") }.map { directory.appendingPathComponent($0) })
    }

    static func load(_ urls: [URL]) throws -> [Migration] {
        let migrations = try urls.map { url -> Migration in
            let file = url.deletingPathExtension().lastPathComponent
            let parts = file.split(separator: "_", maxSplits: 1)
            guard parts.count == 2, let version = Int(parts[0]) else {
                throw MigrationError.badFileName(url.lastPathComponent)
            }
            return Migration(version: version, name: String(parts[1]), sql: try String(contentsOf: url, encoding: .utf8))
        }.sorted { $0.version < $1.version }
        for (a, b) in zip(migrations, migrations.dropFirst()) where a.version == b.version {
            throw MigrationError.duplicateVersion(a.version)
        }
        return migrations
    }
}

/// Where one migration stands in a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case applied
        case pending
        /// Applied, but the file has changed since.
        case modified
        /// Recorded in the database but unknown to this build (a newer klarod applied it).
        case unknown
    }

    public let version: Int
    public let name: String
    public let state: State
    public let appliedAt: Date?
}

public enum MigrationError: Error, CustomStringConvertible {
    case missingResources
    case badFileName(String)
    case duplicateVersion(Int)
    case modified(version: Int, name: String)

    public var description: String {
        switch self {
        case .missingResources:
            "migrations: the SQL resources are missing next to the executable (klaro_KlaroPostgres.resources)"
        case .badFileName(let file):
            "migrations: \(file) is not named NNNN_name.sql"
        case .duplicateVersion(let version):
            "migrations: two files have version \(version)"
        case .modified(let version, let name):
            "migrations: \(version)_\(name).sql was changed after it was applied; restore it and add a new migration instead"
        }
    }
}
