import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import KlaroTestSupport
import Synchronization
import Testing

@Suite("Supabase mode: JWKS (ES256, RS256), legacy HS256, claim checks", .serialized)
struct SupabaseModeTests {
    /// Runs `body` with a fake project serving an ES256 and an RS256 key, and a klarod in
    /// Supabase mode trusting it (with a legacy HS256 secret too).
    func withProject(_ body: (APIServer, FakeSupabaseProject, JWSPrivateKey, JWSPrivateKey) async throws -> Void) async throws {
        let project = try await FakeSupabaseProject.start()
        let ec = try JWSPrivateKey(generating: .es256)
        let rsa = try JWSPrivateKey(generating: .rs256)
        try project.serve([("ec-1", ec), ("rsa-1", rsa)])
        do {
            try await APIServer.with(configure: {
                $0.identity.mode = .supabase(url: project.url, jwksFile: nil)
            }) { server in
                try await body(server, project, ec, rsa)
            }
        } catch {
            await project.stop()
            throw error
        }
        await project.stop()
    }

    @Test("valid ES256 and RS256 tokens pass; forged, foreign and wrong-claim tokens are 401")
    func tokens() async throws {
        try await withProject { server, project, ec, rsa in
            #expect(try await server.call("GET", "/api/accounts", token: try project.token(key: ec, kid: "ec-1")).status == 200)
            #expect(try await server.call("GET", "/api/accounts", token: try project.token(key: rsa, kid: "rsa-1")).status == 200)
            #expect(project.requests == 1)

            let stranger = try JWSPrivateKey(generating: .es256)
            let publicKeyAsSecret = project.jwksText
            let refused: [(String, String)] = [
                ("unknown kid", try project.token(key: ec, kid: "ec-unknown")),
                ("wrong key", try project.token(key: stranger, kid: "ec-1")),
                ("RS256 key under an ES256 kid", try project.token(key: rsa, kid: "ec-1", alg: "ES256")),
                ("alg switched to HS256 with the public key as secret", Self.hs256(secret: publicKeyAsSecret, issuer: project.issuer)),
                ("role anon", try project.token(key: ec, kid: "ec-1", role: "anon")),
                ("role service_role", try project.token(key: ec, kid: "ec-1", role: "service_role")),
                ("wrong iss", try project.token(key: ec, kid: "ec-1", iss: "https://other.supabase.co/auth/v1")),
                ("nil sub", try project.token(key: ec, kid: "ec-1", sub: "00000000-0000-0000-0000-000000000000")),
                ("expired", try project.token(key: ec, kid: "ec-1", extra: ["exp": Int(Date().timeIntervalSince1970) - 10])),
                ("not yet valid", try project.token(key: rsa, kid: "rsa-1", extra: ["nbf": Int(Date().timeIntervalSince1970) + 600])),
            ]
            for (name, token) in refused {
                let reply = try await server.call("GET", "/api/accounts", token: token)
                #expect(reply.status == 401, "\(name): \(reply.text)")
            }
            // Unknown kids within a minute of the last fetch made no new fetch.
            #expect(project.requests == 1)

            // The legacy HS256 secret still works, with the project's issuer.
            let legacy = TestJWT.make(sub: UUID().uuidString, iss: project.issuer)
            #expect(try await server.call("GET", "/api/accounts", token: legacy).status == 200)
            // A built-in-style token (klarod's own issuer) is refused in this mode.
            #expect(try await server.call("GET", "/api/accounts", token: TestJWT.make(sub: UUID().uuidString)).status == 401)
        }
    }

    @Test("the built-in endpoints answer 404 in Supabase mode")
    func builtInOff() async throws {
        try await withProject { server, _, _, _ in
            for (method, path) in [("POST", "/auth/v1/signup"), ("POST", "/auth/v1/token?grant_type=password"),
                                   ("POST", "/auth/v1/logout"), ("GET", "/auth/v1/user"), ("PUT", "/auth/v1/user")] {
                let body: [String: String]? = method == "GET" ? nil : ["email": "a@b.example", "password": "long enough pw"]
                let reply = try await server.call(method, path, token: nil, json: body)
                #expect(reply.status == 404, "\(method) \(path)")
                #expect(reply.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            }
        }
    }

    @Test("key rotation: a new kid is fetched, at most once a minute; an old key goes after max age")
    func rotation() async throws {
        let project = try await FakeSupabaseProject.start()
        defer { Task { await project.stop() } }
        let first = try JWSPrivateKey(generating: .es256), second = try JWSPrivateKey(generating: .rs256)
        try project.serve([("k1", first)])
        let now = Mutex<Double>(1_000)
        let keys = JWKSKeySet(source: .url(JWKSKeySet.projectURL(project.url)!), logger: TestServices.logger(),
                              clock: { now.withLock { $0 } })
        #expect(await keys.key(id: "k1") != nil)
        #expect(project.requests == 1)

        try project.serve([("k1", first), ("k2", second)])
        now.withLock { $0 += 10 }
        #expect(await keys.key(id: "k2") == nil)   // within the minute: no refetch
        #expect(project.requests == 1)
        now.withLock { $0 += 51 }
        #expect(await keys.key(id: "k2")?.algorithm == .rs256)
        #expect(project.requests == 2)
        for index in 0..<20 { _ = await keys.key(id: "forged-\(index)") }
        #expect(project.requests == 2)
        #expect(await keys.key(id: "k1") != nil)

        // k1 is withdrawn; after max age the set is reloaded and k1 stops working.
        try project.serve([("k2", second)])
        now.withLock { $0 += 600 }
        #expect(await keys.key(id: "k1") == nil)
        #expect(await keys.key(id: "k2") != nil)
        #expect(project.requests == 3)
    }

    @Test("a JWKS file works offline; unusable entries are skipped")
    func jwksFile() async throws {
        let key = try JWSPrivateKey(generating: .es256)
        let parts = try key.publicComponents()
        let document: [String: Any] = ["keys": [
            ["kty": "EC", "crv": "P-256", "kid": "file-1", "x": Base64URL.encode(parts["x"]!), "y": Base64URL.encode(parts["y"]!)],
            ["kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"],
            ["kty": "oct", "kid": "hmac", "k": "c2VjcmV0"],
            ["kty": "RSA", "kid": "enc", "use": "enc", "n": "AQAB", "e": "AQAB"],
            ["kty": "EC", "crv": "P-256", "kid": "broken", "x": "AAAA", "y": "AAAA"],
        ]]
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("jwks-\(UUID().uuidString).json").path
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let keys = JWKSKeySet(source: .file(path), logger: TestServices.logger())
        let verifier = JWTVerifier(secret: nil, keys: keys, issuer: "https://p.supabase.co/auth/v1")
        let header = Base64URL.encode(Array(#"{"alg":"ES256","kid":"file-1","typ":"JWT"}"#.utf8))
        let user = UUID()
        let exp = Int(Date().timeIntervalSince1970) + 60
        let payload = Base64URL.encode(Array(
            #"{"aud":"authenticated","exp":\#(exp),"iss":"https://p.supabase.co/auth/v1","role":"authenticated","sub":"\#(user.uuidString)"}"#.utf8))
        let token = "\(header).\(payload)." + Base64URL.encode(try key.sign(Array("\(header).\(payload)".utf8)))
        #expect(try await verifier.verify(token).userID == user)
        #expect(try JWKSKeySet.parse(Data(contentsOf: URL(fileURLWithPath: path))).keys.sorted() == ["file-1"])
    }

    /// An HS256 token signed with `secret` (an attacker using public key material as the secret).
    static func hs256(secret: String, issuer: String) -> String {
        TestJWT.make(sub: UUID().uuidString, secret: secret, iss: issuer)
    }
}
