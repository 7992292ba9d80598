import Foundation
import KlaroCore
import KlaroCrypto

/// Signs the built-in identity's access tokens: HS256 with `KLARO_JWT_SECRET`, carrying the
/// claims Supabase Auth puts in its own, so that ``JWTVerifier`` checks both the same way.
struct JWTSigner: Sendable {
    let secret: Secret
    /// `iss`: klarod's public URL followed by `/auth/v1`, as Supabase's issuer is.
    let issuer: String
    /// Seconds an access token is valid.
    let lifetime: Double

    struct Claims: Encodable {
        let iss: String
        let sub: String
        let aud: String
        let role: String
        let email: String
        let session_id: String
        let iat: Int
        let exp: Int
        let aal: String
        let is_anonymous: Bool
        let app_metadata: [String: JSONValue]
        let user_metadata: [String: JSONValue]
    }

    /// An access token for `user` in `session`, and when it expires (Unix seconds).
    func accessToken(user: UUID, email: String, session: UUID, now: Date = Date()) throws -> (token: String, expiresAt: Int) {
        let issuedAt = Int(now.timeIntervalSince1970)
        let expiresAt = issuedAt + Int(lifetime)
        let claims = Claims(
            iss: issuer, sub: user.uuidString.lowercased(), aud: JWTVerifier.authenticatedRole,
            role: JWTVerifier.authenticatedRole, email: email, session_id: session.uuidString.lowercased(),
            iat: issuedAt, exp: expiresAt, aal: "aal1", is_anonymous: false,
            app_metadata: ["provider": .string("email"), "providers": .array([.string("email")])], user_metadata: [:])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let header = Base64URL.encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode(try encoder.encode(claims))
        let input = header + "." + payload
        let signature = try HMAC.sha256(key: Array(secret.reveal.utf8), message: Array(input.utf8))
        return (input + "." + Base64URL.encode(signature), expiresAt)
    }
}
