import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// The built-in identity's tables (migration 0005): users' credentials, sessions and
/// refresh tokens. Refresh tokens are stored only as their SHA-256.
struct IdentityStore: Sendable {
    let pool: PostgresPool

    /// A built-in user as `/auth/v1/user` shows it.
    struct UserRecord: Sendable, Equatable {
        let id: UUID
        let email: String
        let createdAt: Date
        let updatedAt: Date
        let lastSignInAt: Date?
        let disabled: Bool
    }

    /// What a password log-in needs to know.
    struct Credentials: Sendable {
        let userID: UUID
        let passwordHash: String
        let disabled: Bool
    }

    /// A new session's refresh token (shown once) and id.
    struct NewSession: Sendable {
        let sessionID: UUID
        let refreshToken: Secret
    }

    enum RefreshResult: Sendable {
        case rotated(user: UserRecord, session: NewSession)
        case refused(RefreshRefusal)
    }

    /// Creates the user and its first session; nil when the email is taken.
    func createUser(email: String, passwordHash: String) async throws -> (UserRecord, NewSession)? {
        let userID = UUID()
        let token = try OpaqueToken.generate()
        let digest = try OpaqueToken.digest(token)
        return try await pool.transaction { connection -> (UserRecord, NewSession)? in
            try connection.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [userID, email])
            let inserted = try connection.query("""
                INSERT INTO identity_users (user_id, email, password_hash, last_sign_in_at) VALUES ($1, $2, $3, now())
                ON CONFLICT (email) DO NOTHING RETURNING user_id
                """, [userID, email, passwordHash])
            guard !inserted.isEmpty else {
                try connection.execute("DELETE FROM users WHERE id = $1", [userID])
                return nil
            }
            let session = try Self.startSession(connection, userID: userID, token: token, digest: digest)
            return (try Self.user(connection, id: userID)!, session)
        }
    }

    func credentials(email: String) async throws -> Credentials? {
        try await pool.query("""
            SELECT i.user_id, i.password_hash, u.disabled_at IS NOT NULL
            FROM identity_users i JOIN users u ON u.id = i.user_id WHERE i.email = $1
            """, [email]).first.map { row in
                Credentials(userID: try row.uuid(0), passwordHash: try row.string(1), disabled: try row.bool(2))
            }
    }

    /// Starts a session after a successful log-in.
    func signIn(userID: UUID) async throws -> (UserRecord, NewSession) {
        let token = try OpaqueToken.generate()
        let digest = try OpaqueToken.digest(token)
        return try await pool.transaction(retryOnConnectionLoss: false) { connection in
            try connection.execute("UPDATE identity_users SET last_sign_in_at = now() WHERE user_id = $1", [userID])
            let session = try Self.startSession(connection, userID: userID, token: token, digest: digest)
            return (try Self.user(connection, id: userID)!, session)
        }
    }

    /// Exchanges a refresh token for the next one (``RefreshDecision``), in one transaction
    /// that locks the token's row so that two concurrent uses cannot both rotate it.
    func refresh(token: Secret, idleTimeout: Double) async throws -> RefreshResult {
        let digest = try OpaqueToken.digest(token)
        let next = try OpaqueToken.generate()
        let nextDigest = try OpaqueToken.digest(next)
        return try await pool.transaction(retryOnConnectionLoss: false) { connection in
            let rows = try connection.query("""
                SELECT t.used_at IS NOT NULL, s.revoked_at IS NOT NULL, s.refreshed_at, u.disabled_at IS NOT NULL,
                       s.id, s.user_id, now()
                FROM identity_refresh_tokens t
                JOIN identity_sessions s ON s.id = t.session_id
                JOIN users u ON u.id = s.user_id
                WHERE t.token_hash = $1
                FOR UPDATE OF t, s
                """, [digest])
            let row = rows.first
            let state = try row.map { row in
                RefreshDecision.TokenState(
                    used: try row.bool(0), sessionRevoked: try row.bool(1), sessionRefreshedAt: try row.date(2),
                    userDisabled: try row.bool(3))
            }
            let now = try row?.date(6) ?? Date()
            switch RefreshDecision.decide(state, now: now, idleTimeout: idleTimeout) {
            case .refuse(let why):
                return .refused(why)
            case .revokeSession:
                try Self.revoke(connection, session: try row!.uuid(4), reason: "refresh_token_reused")
                return .refused(.reused)
            case .rotate:
                let sessionID = try row!.uuid(4), userID = try row!.uuid(5)
                try connection.execute("UPDATE identity_refresh_tokens SET used_at = now() WHERE token_hash = $1", [digest])
                try connection.execute("UPDATE identity_sessions SET refreshed_at = now() WHERE id = $1", [sessionID])
                try connection.execute(
                    "INSERT INTO identity_refresh_tokens (token_hash, session_id) VALUES ($1, $2)", [nextDigest, sessionID])
                return .rotated(user: try Self.user(connection, id: userID)!, session: NewSession(sessionID: sessionID, refreshToken: next))
            }
        }
    }

    /// Whether the session exists and is not revoked.
    func sessionIsLive(_ sessionID: UUID, userID: UUID) async throws -> Bool {
        try await !pool.query(
            "SELECT 1 FROM identity_sessions WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL", [sessionID, userID]
        ).isEmpty
    }

    /// Revokes one session.
    func revokeSession(_ sessionID: UUID, reason: String) async throws {
        try await pool.withConnection { try Self.revoke($0, session: sessionID, reason: reason) }
    }

    /// Revokes every live session of the user, except `keeping`.
    func revokeSessions(userID: UUID, except keeping: UUID? = nil, reason: String) async throws {
        try await pool.execute("""
            UPDATE identity_sessions SET revoked_at = now(), revoked_reason = $3
            WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)
            """, [userID, keeping, reason])
    }

    func user(id: UUID) async throws -> UserRecord? {
        try await pool.withConnection { try Self.user($0, id: id) }
    }

    /// Replaces the password and revokes the user's other sessions.
    func changePassword(userID: UUID, hash: String, keepingSession session: UUID?, reason: String) async throws -> UserRecord? {
        try await pool.transaction(retryOnConnectionLoss: false) { connection in
            try connection.execute(
                "UPDATE identity_users SET password_hash = $2, updated_at = now() WHERE user_id = $1", [userID, hash])
            try connection.execute("""
                UPDATE identity_sessions SET revoked_at = now(), revoked_reason = $3
                WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2)
                """, [userID, session, reason])
            return try Self.user(connection, id: userID)
        }
    }

    // MARK: Statements on one connection

    private static func startSession(_ connection: PostgresConnection, userID: UUID, token: Secret, digest: String) throws -> NewSession {
        let sessionID = UUID()
        try connection.execute("INSERT INTO identity_sessions (id, user_id) VALUES ($1, $2)", [sessionID, userID])
        try connection.execute("INSERT INTO identity_refresh_tokens (token_hash, session_id) VALUES ($1, $2)", [digest, sessionID])
        return NewSession(sessionID: sessionID, refreshToken: token)
    }

    private static func revoke(_ connection: PostgresConnection, session: UUID, reason: String) throws {
        try connection.execute(
            "UPDATE identity_sessions SET revoked_at = now(), revoked_reason = $2 WHERE id = $1 AND revoked_at IS NULL",
            [session, reason])
    }

    static func user(_ connection: PostgresConnection, id: UUID) throws -> UserRecord? {
        try connection.query("""
            SELECT i.user_id, i.email, i.created_at, i.updated_at, i.last_sign_in_at, u.disabled_at IS NOT NULL
            FROM identity_users i JOIN users u ON u.id = i.user_id WHERE i.user_id = $1
            """, [id]).first.map { row in
                UserRecord(
                    id: try row.uuid(0), email: try row.string(1), createdAt: try row.date(2), updatedAt: try row.date(3),
                    lastSignInAt: try row.dateOrNil(4), disabled: try row.bool(5))
            }
    }
}
