import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import Testing

@Suite("JWT verification (HS256, Supabase claims)")
struct JWTVerifierTests {
    let verifier = JWTVerifier(secret: Secret(APIServer.jwtSecret))
    let user = UUID()

    @Test("a valid token yields its user and email")
    func valid() throws {
        let token = TestJWT.make(sub: user.uuidString.lowercased(), extra: ["email": "t@example.com"])
        let claims = try verifier.verify(token)
        #expect(claims.userID == user)
        #expect(claims.email == "t@example.com")
    }

    @Test("aud may be a list that contains authenticated")
    func audienceList() throws {
        let token = TestJWT.make(sub: user.uuidString, aud: ["other", "authenticated"])
        #expect(try verifier.verify(token).userID == user)
    }

    @Test("refusals", arguments: [
        ("expired", JWTError.expired),
        ("wrong secret", JWTError.badSignature),
        ("wrong audience", JWTError.wrongAudience),
        ("no audience", JWTError.wrongAudience),
        ("alg none", JWTError.unsupportedAlgorithm("none")),
        ("alg HS512", JWTError.unsupportedAlgorithm("HS512")),
        ("alg RS256", JWTError.unsupportedAlgorithm("RS256")),
        ("subject not a uuid", JWTError.badSubject),
        ("not yet valid", JWTError.notYetValid),
    ])
    func refusals(name: String, expected: JWTError) throws {
        let sub = user.uuidString
        let now = Date().timeIntervalSince1970
        let token: String = switch name {
        case "expired": TestJWT.make(sub: sub, exp: now - 1)
        case "wrong secret": TestJWT.make(sub: sub, secret: "another-secret-0123456789abcdef0123456789")
        case "wrong audience": TestJWT.make(sub: sub, aud: "anon")
        case "no audience": TestJWT.make(sub: sub, aud: NSNull())
        case "alg none": Self.unsigned(sub: sub, alg: "none")
        case "alg HS512": TestJWT.make(sub: sub, alg: "HS512")
        case "alg RS256": TestJWT.make(sub: sub, alg: "RS256")
        case "subject not a uuid": TestJWT.make(sub: "service_role")
        default: TestJWT.make(sub: sub, extra: ["nbf": now + 600])
        }
        #expect(throws: expected) { try verifier.verify(token) }
    }

    @Test("malformed tokens", arguments: [
        "", "abc", "a.b", "a.b.c.d", "!!!.e30.sig", "e30.e30.", "eyJhbGciOiJIUzI1NiJ9.e30.AAAA=",
    ])
    func malformed(token: String) {
        #expect(throws: JWTError.self) { try verifier.verify(token) }
    }

    @Test("a valid signature over a changed payload fails")
    func tamperedPayload() throws {
        let token = TestJWT.make(sub: user.uuidString)
        let parts = token.split(separator: ".").map(String.init)
        let other = TestJWT.make(sub: UUID().uuidString).split(separator: ".").map(String.init)
        #expect(throws: JWTError.badSignature) { try verifier.verify([parts[0], other[1], parts[2]].joined(separator: ".")) }
    }

    @Test("a token without exp is refused")
    func missingExpiry() throws {
        let header = Base64URL.encode(Array(#"{"alg":"HS256"}"#.utf8))
        let payload = Base64URL.encode(Array(#"{"sub":"\#(user.uuidString)","aud":"authenticated"}"#.utf8))
        let signature = try HMAC.sha256(key: Array(APIServer.jwtSecret.utf8), message: Array("\(header).\(payload)".utf8))
        #expect(throws: JWTError.malformed("the payload has no numeric exp")) {
            try verifier.verify("\(header).\(payload).\(Base64URL.encode(signature))")
        }
    }

    static func unsigned(sub: String, alg: String) -> String {
        let header = Base64URL.encode(Array(#"{"alg":"\#(alg)","typ":"JWT"}"#.utf8))
        let exp = Int(Date().timeIntervalSince1970) + 3600
        let payload = Base64URL.encode(Array(#"{"sub":"\#(sub)","aud":"authenticated","exp":\#(exp)}"#.utf8))
        return "\(header).\(payload)."
    }
}
