/// Who signs users' tokens and how long they last (DESIGN §14, docs/identity.md).
public struct IdentitySettings: Sendable, Equatable {
    public enum Mode: Sendable, Equatable {
        /// klarod is its own auth server at `/auth/v1` (the default).
        case builtIn
        /// A Supabase project signs tokens; its JWKS comes from `url` or, offline, `jwksFile`.
        case supabase(url: String, jwksFile: String?)
    }

    public var mode: Mode
    /// klarod's public URL; built-in tokens carry `iss` = this + `/auth/v1`.
    public var publicURL: String
    /// Seconds a built-in access token is valid.
    public var accessTokenLifetime: Double
    /// Seconds a built-in session may go without a refresh before it expires.
    public var sessionIdleTimeout: Double
    /// Sign-up and token requests per client per minute (0: no limit).
    public var clientRateLimit: Int
    /// Sign-up and password log-in attempts per email per minute (0: no limit).
    public var emailRateLimit: Int
    /// Seconds a verified user's state (exists, not disabled) is trusted before it is read again.
    public var userRecheckInterval: Double = 60

    /// The `iss` every accepted token must carry.
    public var issuer: String {
        switch mode {
        case .builtIn: publicURL + "/auth/v1"
        case .supabase(let url, _): url + "/auth/v1"
        }
    }

    public var isBuiltIn: Bool { mode == .builtIn }
}
