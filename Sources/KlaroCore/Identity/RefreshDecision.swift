import Foundation

/// What presenting a refresh token leads to, decided from the stored state alone.
///
/// Refresh tokens are single use: a token already used is a sign that it was copied, so its
/// whole session is revoked (OAuth 2.0 Security BCP §4.14, "refresh token rotation").
public enum RefreshDecision: Equatable, Sendable {
    /// Issue the next token and mark this one used.
    case rotate
    /// Refuse, and revoke the session: the token was used before.
    case revokeSession
    /// Refuse; nothing to change.
    case refuse(RefreshRefusal)

    /// The state a presented token was found in.
    public struct TokenState: Sendable {
        public var used: Bool
        public var sessionRevoked: Bool
        public var sessionRefreshedAt: Date
        public var userDisabled: Bool

        public init(used: Bool, sessionRevoked: Bool, sessionRefreshedAt: Date, userDisabled: Bool) {
            self.used = used
            self.sessionRevoked = sessionRevoked
            self.sessionRefreshedAt = sessionRefreshedAt
            self.userDisabled = userDisabled
        }
    }

    /// - Parameters:
    ///   - state: the token's row and its session, or nil when no such token exists.
    ///   - idleTimeout: seconds a session may go unrefreshed.
    public static func decide(_ state: TokenState?, now: Date, idleTimeout: Double) -> RefreshDecision {
        guard let state else { return .refuse(.notFound) }
        if state.sessionRevoked { return .refuse(.sessionRevoked) }
        if state.used { return .revokeSession }
        if state.userDisabled { return .refuse(.userDisabled) }
        if now.timeIntervalSince(state.sessionRefreshedAt) > idleTimeout { return .refuse(.sessionExpired) }
        return .rotate
    }
}

/// Why a refresh was refused.
public enum RefreshRefusal: String, Equatable, Sendable {
    case notFound = "refresh_token_not_found"
    case sessionRevoked = "session_revoked"
    case sessionExpired = "session_expired"
    case userDisabled = "user_banned"
    case reused = "refresh_token_already_used"
}
