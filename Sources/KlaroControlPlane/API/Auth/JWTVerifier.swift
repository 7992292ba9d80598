import Foundation
import KlaroCore
import KlaroCrypto

/// The claims klarod uses from a verified token.
struct JWTClaims: Sendable, Equatable {
    /// `sub`: the user id.
    let userID: UUID
    let email: String?
    /// `session_id`, present in tokens of Supabase Auth and of the built-in identity.
    let sessionID: UUID?
}

/// Verifies user access tokens, the built-in identity's and Supabase's alike: compact JWS,
/// HS256 with a shared secret (its UTF-8 bytes, as Supabase uses it) or ES256/RS256 with a
/// key from the project's JWKS chosen by `kid`. Checks `iss`, `aud` = `authenticated`, `exp`
/// (required, in the future), `nbf`, `role` = `authenticated` (so `anon` and `service_role`
/// keys are refused) and a `sub` that is a user id other than the nil UUID.
///
/// The algorithm comes from the key, never from the token alone: an HS256 token is checked
/// only against the configured secret, an ES256/RS256 one only against a JWKS key of that
/// algorithm, so a public key can never serve as an HMAC secret. `none` and the rest are refused.
struct JWTVerifier: Sendable {
    static let authenticatedRole = "authenticated"

    /// HS256 secret; nil (Supabase mode without a legacy secret): HS256 is refused.
    let secret: Secret?
    /// ES256/RS256 keys; nil: those algorithms are refused.
    let keys: (any JWTKeySource)?
    /// Expected `iss`; nil only in tests of other claims.
    let issuer: String?
    let audience: String
    /// Clock skew allowed for `nbf`, never for `exp` (`iat` is not checked).
    let leeway: Double

    init(
        secret: Secret?, keys: (any JWTKeySource)? = nil, issuer: String?, audience: String = authenticatedRole,
        leeway: Double = 30
    ) {
        self.secret = secret.flatMap { $0.isEmpty ? nil : $0 }
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
    }

    func verify(_ token: String, now: Date = Date()) async throws(JWTError) -> JWTClaims {
        guard token.utf8.count <= 8192 else { throw .malformed("longer than 8 KiB") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts") }
        guard let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONValue.parse(headerData), header.object != nil
        else { throw .malformed("the header is not base64url JSON") }
        guard let algorithm = header["alg"]?.string else { throw .malformed("the header has no alg") }
        if let critical = header["crit"], critical != .null { throw .malformed("crit extensions are not supported") }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("the signature is not base64url") }
        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))

        switch algorithm {
        case "HS256":
            guard let secret else { throw .unsupportedAlgorithm(algorithm) }
            let expected: [UInt8]
            do {
                expected = try HMAC.sha256(key: Array(secret.reveal.utf8), message: signingInput)
            } catch {
                throw .badSignature
            }
            guard HMAC.constantTimeEquals(expected, Array(signature)) else { throw .badSignature }
        case "ES256", "RS256":
            guard let keys else { throw .unsupportedAlgorithm(algorithm) }
            guard let kid = header["kid"]?.string, !kid.isEmpty else { throw .malformed("the header has no kid") }
            guard let key = await keys.key(id: kid) else { throw .unknownKey }
            guard key.algorithm.rawValue == algorithm else { throw .badSignature }
            guard key.verify(signature: Array(signature), message: signingInput) else { throw .badSignature }
        default:
            throw .unsupportedAlgorithm(algorithm)
        }

        guard let payloadData = Base64URL.decode(parts[1]), let payload = try? JSONValue.parse(payloadData),
              payload.object != nil
        else { throw .malformed("the payload is not base64url JSON") }
        return try check(payload, now: now.timeIntervalSince1970)
    }

    private func check(_ payload: JSONValue, now time: Double) throws(JWTError) -> JWTClaims {
        guard let exp = Self.number(payload["exp"]) else { throw .malformed("the payload has no numeric exp") }
        guard time < exp else { throw .expired }
        if let nbf = Self.number(payload["nbf"]), time + leeway < nbf { throw .notYetValid }
        if let issuer, payload["iss"]?.string != issuer { throw .wrongIssuer }
        switch payload["aud"] {
        case .string(let aud) where aud == audience: break
        case .array(let auds) where auds.contains(.string(audience)): break
        default: throw .wrongAudience
        }
        guard payload["role"]?.string == Self.authenticatedRole else { throw .wrongRole }
        guard let sub = payload["sub"]?.string, let userID = UUID(uuidString: sub), userID != Self.nilUUID else {
            throw .badSubject
        }
        return JWTClaims(
            userID: userID, email: payload["email"]?.string.flatMap { $0.isEmpty ? nil : $0 },
            sessionID: payload["session_id"]?.string.flatMap(UUID.init(uuidString:)))
    }

    private static let nilUUID = UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let n): Double(n)
        case .number(let n) where n.isFinite: n
        default: nil
        }
    }
}

/// Where ES256/RS256 verification keys come from (a Supabase project's JWKS).
protocol JWTKeySource: Sendable {
    /// The key with this `kid`, or nil when there is none (after at most one allowed refetch).
    func key(id: String) async -> JWSPublicKey?
}
