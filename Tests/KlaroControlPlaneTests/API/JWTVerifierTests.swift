import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import Testing

@Suite("JWT verification (HS256, Supabase claims)")
struct JWTVerifierTests {
    let verifier = JWTVerifier(secret: Secret(APIServer.jwtSecret), issuer: TestJWT.issuer)
    let user = UUID()

    @Test("a valid token yields its user, email and session")
    func valid() async throws {
        let session = UUID()
        let token = TestJWT.make(sub: user.uuidString.lowercased(), extra: ["email": "t@example.com", "session_id": session.uuidString])
        let claims = try await verifier.verify(token)
        #expect(claims.userID == user)
        #expect(claims.email == "t@example.com")
        #expect(claims.sessionID == session)
    }

    @Test("aud may be a list that contains authenticated")
    func audienceList() async throws {
        let token = TestJWT.make(sub: user.uuidString, aud: ["other", "authenticated"])
        #expect(try await verifier.verify(token).userID == user)
    }

    @Test("refusals", arguments: [
        ("expired", JWTError.expired),
        ("wrong secret", JWTError.badSignature),
        ("wrong audience", JWTError.wrongAudience),
        ("no audience", JWTError.wrongAudience),
        ("alg none", JWTError.unsupportedAlgorithm("none")),
        ("alg HS512", JWTError.unsupportedAlgorithm("HS512")),
        ("alg RS256 without a JWKS", JWTError.unsupportedAlgorithm("RS256")),
        ("subject not a uuid", JWTError.badSubject),
        ("nil uuid subject", JWTError.badSubject),
        ("not yet valid", JWTError.notYetValid),
        ("wrong issuer", JWTError.wrongIssuer),
        ("no issuer", JWTError.wrongIssuer),
        ("role anon", JWTError.wrongRole),
        ("role service_role", JWTError.wrongRole),
        ("no role", JWTError.wrongRole),
    ])
    func refusals(name: String, expected: JWTError) async throws {
        let sub = user.uuidString
        let now = Date().timeIntervalSince1970
        let token: String = switch name {
        case "expired": TestJWT.make(sub: sub, exp: now - 1)
        case "wrong secret": TestJWT.make(sub: sub, secret: "another-secret-0123456789abcdef0123456789")
        case "wrong audience": TestJWT.make(sub: sub, aud: "anon")
        case "no audience": TestJWT.make(sub: sub, aud: NSNull())
        case "alg none": Self.unsigned(sub: sub, alg: "none")
        case "alg HS512": TestJWT.make(sub: sub, alg: "HS512")
        case "alg RS256 without a JWKS": TestJWT.make(sub: sub, alg: "RS256")
        case "subject not a uuid": TestJWT.make(sub: "service_role")
        case "nil uuid subject": TestJWT.make(sub: "00000000-0000-0000-0000-000000000000")
        case "wrong issuer": TestJWT.make(sub: sub, iss: "https://evil.example/auth/v1")
        case "no issuer": TestJWT.make(sub: sub, extra: ["iss": NSNull()])
        case "role anon": TestJWT.make(sub: sub, extra: ["role": "anon"])
        case "role service_role": TestJWT.make(sub: sub, extra: ["role": "service_role"])
        case "no role": TestJWT.make(sub: sub, extra: ["role": NSNull()])
        default: TestJWT.make(sub: sub, extra: ["nbf": now + 600])
        }
        await #expect(throws: expected) { try await verifier.verify(token) }
    }

    @Test("malformed tokens", arguments: [
        "", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA=",
    ])
    func malformed(token: String) async {
        await #expect(throws: JWTError.self) { try await verifier.verify(token) }
    }

    @Test("a valid signature over a changed payload fails")
    func tamperedPayload() async throws {
        let token = TestJWT.make(sub: user.uuidString)
        let parts = token.split(separator: ".").map(String.init)
        let other = TestJWT.make(sub: UUID().uuidString).split(separator: ".").map(String.init)
        await #expect(throws: JWTError.badSignature) { try await verifier.verify([parts[0], other[1], parts[2]].joined(separator: ".")) }
    }

    @Test("a token without exp is refused")
    func missingExpiry() async throws {
        let header = Base64URL.encode(Array(#"{"alg":"HS256"}"#.utf8))
        let payload = Base64URL.encode(Array(#"{"sub":"\#(user.uuidString)","aud":"authenticated"}"#.utf8))
        let signature = try HMAC.sha256(key: Array(APIServer.jwtSecret.utf8), message: Array("\(header).\(payload)".utf8))
        await #expect(throws: JWTError.malformed("the payload has no numeric exp")) {
            try await verifier.verify("\(header).\(payload).\(Base64URL.encode(signature))")
        }
    }

    @Test("HS256 is refused when no secret is configured (Supabase mode with asymmetric keys only)")
    func noSecret() async {
        let keyless = JWTVerifier(secret: nil, issuer: TestJWT.issuer)
        await #expect(throws: JWTError.unsupportedAlgorithm("HS256")) { try await keyless.verify(TestJWT.make(sub: user.uuidString)) }
    }

    @Test("the built-in signer's tokens pass the same checks")
    func signerRoundTrip() async throws {
        let signer = JWTSigner(secret: Secret(APIServer.jwtSecret), issuer: TestJWT.issuer, lifetime: 3600)
        let session = UUID()
        let (token, expiresAt) = try signer.accessToken(user: user, email: "a@b.example", session: session)
        #expect(abs(Double(expiresAt) - Date().timeIntervalSince1970 - 3600) < 5)
        let claims = try await verifier.verify(token)
        #expect(claims == JWTClaims(userID: user, email: "a@b.example", sessionID: session))
        let otherIssuer = JWTVerifier(secret: Secret(APIServer.jwtSecret), issuer: "https://other.example/auth/v1")
        await #expect(throws: JWTError.wrongIssuer) { try await otherIssuer.verify(token) }
    }

    static func unsigned(sub: String, alg: String) -> String {
        let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
        let exp = Int(Date().timeIntervalSince1970) + 3600
        let payload = Base64URL.encode(Array(#"{"sub":"\#(sub)","aud":"authenticated","exp":\#(exp)}"#.utf8))
        return "\(header).\(payload)."
    }
}
