import Foundation
import KlaroPostgres
import Logging

/// Who klarod's users are, in either mode (DESIGN §14): the token verifier `/api` uses, and
/// the built-in identity's service when no Supabase project is configured.
struct Identity: Sendable {
    let verifier: JWTVerifier
    /// nil in Supabase mode.
    let service: IdentityService?
    /// Failed `/api` authentications per client.
    let failureLimiter: AuthFailureLimiter
    let users: UserDirectory

    init(configuration: KlaroConfiguration, pool: PostgresPool, logger: Logger) throws {
        let settings = configuration.identity
        var keys: (any JWTKeySource)?
        if case .supabase(let url, let file) = settings.mode {
            let source: JWKSKeySet.Source? = file.map { .file($0) } ?? JWKSKeySet.projectURL(url).map { .url($0) }
            keys = source.map { JWKSKeySet(source: $0, logger: logger) }
        }
        verifier = JWTVerifier(secret: configuration.jwtSecret, keys: keys, issuer: settings.issuer)
        failureLimiter = AuthFailureLimiter(perMinute: configuration.authFailureLimit)
        users = UserDirectory(pool: pool, recheckInterval: settings.userRecheckInterval)
        guard settings.isBuiltIn else {
            service = nil
            return
        }
        service = IdentityService(
            store: IdentityStore(pool: pool),
            passwords: try PasswordWork(),
            signer: JWTSigner(secret: configuration.jwtSecret, issuer: settings.issuer, lifetime: settings.accessTokenLifetime),
            verifier: verifier,
            settings: settings,
            clientLimiter: AuthFailureLimiter(perMinute: settings.clientRateLimit),
            emailLimiter: AuthFailureLimiter(perMinute: settings.emailRateLimit),
            logger: logger
        )
    }
}
