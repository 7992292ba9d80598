import Foundation
import KlaroAdminAPI
import KlaroPostgres

/// The admin audit log (`admin_audit`): every change an operator makes, every refused
/// attempt, and fleet events an operator must see (a host refused for a changed key).
struct AdminAuditLog: Sendable {
    /// How the attempt ended.
    enum Outcome: String, Codable, Sendable {
        case ok
        /// Refused before anything was done (no or wrong token, a key that changed).
        case denied
        /// Tried and failed (the request was invalid for the state it found).
        case failed
    }

    /// One entry as the API returns it (shared with the CLI).
    typealias Entry = AdminAPI.AuditEntry<JSONValue>

    let pool: PostgresPool

    /// Writes an entry on `connection` (inside the change's own transaction, so the change and
    /// its record commit together).
    static func insert(
        _ connection: PostgresConnection, actor: String, action: String, target: String, result: Outcome = .ok,
        remoteAddress: String? = nil, before: JSONValue? = nil, after: JSONValue? = nil
    ) throws {
        try connection.execute("""
            INSERT INTO admin_audit (actor, action, target, result, remote_addr, before, after)
            VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7::jsonb)
            """, [actor, action, target, result.rawValue, remoteAddress, before?.jsonText, after?.jsonText])
    }

    /// Writes an entry on its own.
    func record(
        actor: String, action: String, target: String, result: Outcome = .ok, remoteAddress: String? = nil,
        before: JSONValue? = nil, after: JSONValue? = nil
    ) async throws {
        try await pool.withConnection { connection in
            try Self.insert(connection, actor: actor, action: action, target: target, result: result,
                            remoteAddress: remoteAddress, before: before, after: after)
        }
    }

    /// The newest entries first, optionally only one action's or one target's.
    func recent(limit: Int, action: String? = nil, target: String? = nil) async throws -> [Entry] {
        try await pool.query("""
            SELECT id, at, actor, action, target, result, remote_addr, before::text, after::text
            FROM admin_audit
            WHERE ($2::text IS NULL OR action = $2) AND ($3::text IS NULL OR target = $3)
            ORDER BY id DESC LIMIT $1
            """, [limit, action, target]).map { row in
                Entry(
                    id: try row.int64(0), at: try row.date(1), actor: try row.string(2), action: try row.string(3),
                    target: try row.string(4), result: (Outcome(rawValue: try row.string(5)) ?? .failed).rawValue,
                    remote_addr: row.stringOrNil(6), before: row.stringOrNil(7).flatMap(JSONValue.parse),
                    after: row.stringOrNil(8).flatMap(JSONValue.parse)
                )
            }
    }
}
