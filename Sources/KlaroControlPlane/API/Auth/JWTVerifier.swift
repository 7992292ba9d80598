import Foundation
import KlaroCore
import KlaroCrypto

/// The claims klarod uses from a verified token.
struct JWTClaims: Sendable, Equatable {
    /// `sub`: the Supabase user id.
    let userID: UUID
    let email: String?
}

/// Verifies Supabase Auth access tokens: compact JWS, HS256 with the project's JWT secret
/// (its UTF-8 bytes, as Supabase uses it), `aud` = `authenticated`, `exp` required and in the
/// future, `nbf` honoured. Every other algorithm, `none` included, is refused.
struct JWTVerifier: Sendable {
    let secret: Secret
    let audience: String
    /// Clock skew allowed for `nbf`, never for `exp` (`iat` is not checked).
    let leeway: Double

    init(secret: Secret, audience: String = "authenticated", leeway: Double = 30) {
        self.secret = secret
        self.audience = audience
        self.leeway = leeway
    }

    func verify(_ token: String, now: Date = Date()) throws(JWTError) -> JWTClaims {
        guard token.utf8.count <= 8192 else { throw .malformed("longer than 8 KiB") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("expected three dot-separated parts") }
        guard let headerData = Base64URL.decode(parts[0]),
              let header = try? JSONValue.parse(headerData), header.object != nil
        else { throw .malformed("the header is not base64url JSON") }
        guard let algorithm = header["alg"]?.string else { throw .malformed("the header has no alg") }
        guard algorithm == "HS256" else { throw .unsupportedAlgorithm(algorithm) }
        if let critical = header["crit"], critical != .null { throw .malformed("crit extensions are not supported") }
        guard let signature = Base64URL.decode(parts[2]) else { throw .malformed("the signature is not base64url") }

        let signingInput = Array(token.utf8.prefix(parts[0].utf8.count + 1 + parts[1].utf8.count))
        let expected: [UInt8]
        do {
            expected = try HMAC.sha256(key: Array(secret.reveal.utf8), message: signingInput)
        } catch {
            throw .badSignature
        }
        guard HMAC.constantTimeEquals(expected, Array(signature)) else { throw .badSignature }

        guard let payloadData = Base64URL.decode(parts[1]), let payload = try? JSONValue.parse(payloadData),
              payload.object != nil
        else { throw .malformed("the payload is not base64url JSON") }
        let time = now.timeIntervalSince1970
        guard let exp = Self.number(payload["exp"]) else { throw .malformed("the payload has no numeric exp") }
        guard time < exp else { throw .expired }
        if let nbf = Self.number(payload["nbf"]), time + leeway < nbf { throw .notYetValid }
        switch payload["aud"] {
        case .string(let aud) where aud == audience: break
        case .array(let auds) where auds.contains(.string(audience)): break
        default: throw .wrongAudience
        }
        guard let sub = payload["sub"]?.string, let userID = UUID(uuidString: sub) else { throw .badSubject }
        return JWTClaims(userID: userID, email: payload["email"]?.string.flatMap { $0.isEmpty ? nil : $0 })
    }

    private static func number(_ value: JSONValue?) -> Double? {
        switch value {
        case .integer(let n): Double(n)
        case .number(let n) where n.isFinite: n
        default: nil
        }
    }
}
