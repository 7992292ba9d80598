import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// The operator's user commands (`klarod users …`): list, disable, enable and reset a
/// password. Each change and its `admin_audit` row commit together.
public struct UserAdministration: Sendable {
    public struct Entry: Sendable, Equatable {
        public let id: UUID
        public let email: String?
        /// True for users of the built-in identity (they have a password here).
        public let builtIn: Bool
        public let createdAt: Date
        public let lastSignInAt: Date?
        public let disabled: Bool
        public let liveSessions: Int
    }

    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case unknownEmail
        case notBuiltIn

        public var description: String {
            switch self {
            case .unknownEmail: "no user has that email"
            case .notBuiltIn: "that user signs in through Supabase: reset the password in the Supabase project"
            }
        }
    }

    let pool: PostgresPool
    /// Written to the audit log as the actor (`cli:<login name>`).
    let actor: String

    public init(pool: PostgresPool, actor: String) {
        self.pool = pool
        self.actor = actor
    }

    public func list() async throws -> [Entry] {
        try await pool.query("""
            SELECT u.id, coalesce(i.email, u.email), i.user_id IS NOT NULL, u.created_at, i.last_sign_in_at,
                   u.disabled_at IS NOT NULL,
                   (SELECT count(*) FROM identity_sessions s WHERE s.user_id = u.id AND s.revoked_at IS NULL)
            FROM users u LEFT JOIN identity_users i ON i.user_id = u.id
            ORDER BY u.created_at, u.id
            """).map { row in
                Entry(id: try row.uuid(0), email: row.stringOrNil(1), builtIn: try row.bool(2), createdAt: try row.date(3),
                      lastSignInAt: try row.dateOrNil(4), disabled: try row.bool(5), liveSessions: try row.int(6))
            }
    }

    /// Disables (or enables) the user: a disabled user cannot log in or refresh, every session
    /// is revoked at once, and `/api` refuses their tokens from klarod's next recheck.
    public func setDisabled(email: String, _ disabled: Bool) async throws {
        let email = EmailAddress.normalize(email) ?? email
        let actor = self.actor
        try await pool.transaction(retryOnConnectionLoss: false) { connection in
            let id = try Self.userID(connection, email: email)
            try connection.execute(
                "UPDATE users SET disabled_at = CASE WHEN $2 THEN coalesce(disabled_at, now()) END WHERE id = $1", [id, disabled])
            if disabled {
                try connection.execute(
                    "UPDATE identity_sessions SET revoked_at = now(), revoked_reason = 'disabled' WHERE user_id = $1 AND revoked_at IS NULL",
                    [id])
            }
            try AdminAuditLog.insert(connection, actor: actor, action: disabled ? "user.disable" : "user.enable",
                                     target: id.uuidString.lowercased(), after: ["email": .string(email)])
        }
    }

    /// Sets a new random password, revokes every session, and returns the password (shown
    /// once to the operator, never stored or logged).
    public func resetPassword(email: String, hasher: PasswordHasher = .owasp) async throws -> Secret {
        let email = EmailAddress.normalize(email) ?? email
        let password = try OpaqueToken.readablePassword()
        let hash = try hasher.hash(password)
        let actor = self.actor
        try await pool.transaction(retryOnConnectionLoss: false) { connection in
            let id = try Self.userID(connection, email: email)
            let changed = try connection.execute(
                "UPDATE identity_users SET password_hash = $2, updated_at = now() WHERE user_id = $1", [id, hash])
            guard changed == 1 else { throw Failure.notBuiltIn }
            try connection.execute(
                "UPDATE identity_sessions SET revoked_at = now(), revoked_reason = 'password_reset' WHERE user_id = $1 AND revoked_at IS NULL",
                [id])
            try AdminAuditLog.insert(connection, actor: actor, action: "user.reset_password",
                                     target: id.uuidString.lowercased(), after: ["email": .string(email)])
        }
        return password
    }

    private static func userID(_ connection: PostgresConnection, email: String) throws -> UUID {
        let rows = try connection.query("""
            SELECT user_id FROM identity_users WHERE email = $1
            UNION ALL SELECT id FROM users WHERE lower(email) = $1 AND NOT EXISTS (SELECT 1 FROM identity_users WHERE email = $1)
            LIMIT 2
            """, [email])
        guard rows.count == 1 else { throw Failure.unknownEmail }
        return try rows[0].uuid(0)
    }
}
