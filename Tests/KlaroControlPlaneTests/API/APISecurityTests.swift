import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Traders' API: isolation, authentication, CORS")
struct APISecurityTests {
    @Test("another user's account is 404 on every endpoint and stays untouched")
    func isolation() async throws {
        try await APIServer.with { api in
            let alice = TestJWT.user()
            let bob = TestJWT.user()
            let id = try await api.addAccount(token: alice.token)
            let before = try await api.pool.query(
                "SELECT a.account_name, a.mt5_password_encrypted, s.next_sync_at, a.sync_requested_at FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1", [id])

            let attempts: [(String, String, [String: Any]?)] = [
                ("GET", "/api/accounts/\(id)", nil),
                ("PATCH", "/api/accounts/\(id)", ["account_name": "mine now"]),
                ("PATCH", "/api/accounts/\(id)", ["mt5_password": "bobs"]),
                ("POST", "/api/accounts/\(id)/sync", nil),
                ("DELETE", "/api/accounts/\(id)", nil),
            ]
            for (method, path, json) in attempts {
                let reply = try await api.call(method, path, token: bob.token, json: json)
                #expect(reply.status == 404, "\(method) \(path) as another user answered \(reply.status)")
                #expect(try reply.json()["code"] as? String == "not_found")
            }
            let bobsList = try await api.call("GET", "/api/accounts", token: bob.token)
            #expect((try bobsList.json()["accounts"] as? [Any])?.isEmpty == true)
            let bobsDashboard = try await api.call("GET", "/api/dashboard/summary", token: bob.token)
            #expect(bobsDashboard.status == 200)
            #expect((try bobsDashboard.json()["accounts"] as? [Any])?.isEmpty == true)
            #expect(!bobsDashboard.text.contains(id.uuidString.lowercased()))

            let after = try await api.pool.query(
                "SELECT a.account_name, a.mt5_password_encrypted, s.next_sync_at, a.sync_requested_at FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1", [id])
            for column in 0..<4 { #expect(before[0].stringOrNil(column) == after[0].stringOrNil(column)) }

            // Bob may add the same MT5 login: accounts are per user.
            _ = try await api.addAccount(token: bob.token)
            let alicesList = try await api.call("GET", "/api/accounts", token: alice.token)
            #expect((try alicesList.json()["accounts"] as? [[String: Any]])?.map { $0["id"] as? String } == [id.uuidString.lowercased()])
        }
    }

    @Test("bad tokens are 401 problem+json with a Bearer challenge")
    func badTokens() async throws {
        try await APIServer.with { api in
            let sub = UUID().uuidString
            let now = Date().timeIntervalSince1970
            let tokens: [(String, String?)] = [
                ("none", nil),
                ("expired", TestJWT.make(sub: sub, exp: now - 10)),
                ("wrong secret", TestJWT.make(sub: sub, secret: "not-the-secret-0123456789abcdef0123456789")),
                ("wrong audience", TestJWT.make(sub: sub, aud: "anon")),
                ("alg none", JWTVerifierTests.unsigned(sub: sub, alg: "none")),
                ("malformed", "not.a.jwt"),
            ]
            for (name, token) in tokens {
                let reply = try await api.call("GET", "/api/accounts", token: token)
                #expect(reply.status == 401, "\(name) answered \(reply.status)")
                #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true, "\(name)")
                #expect(reply.header("Content-Type") == "application/problem+json", "\(name)")
                #expect(reply.header("X-Request-Id") != nil, "\(name)")
            }
            let basic = try await api.call("GET", "/api/accounts", token: nil, headers: ["Authorization": "Basic dXNlcjpwdw=="])
            #expect(basic.status == 401)
        }
    }

    @Test("a client that keeps failing to authenticate gets 429 with Retry-After for invalid tokens only")
    func authFailureRateLimit() async throws {
        try await APIServer.with { api in
            var statuses: [Int] = []
            for _ in 0..<25 {
                statuses.append(try await api.call("GET", "/api/accounts", token: "garbage").status)
            }
            #expect(statuses.prefix(20).allSatisfy { $0 == 401 })
            #expect(statuses.suffix(5).allSatisfy { $0 == 429 })
            let limited = try await api.call("GET", "/api/accounts", token: "garbage")
            #expect(limited.status == 429)
            #expect(limited.header("Retry-After").flatMap(Int.init).map { $0 >= 1 } == true)
            // The lockout is for guessing: the locked-out client's valid token keeps working.
            #expect(try await api.call("GET", "/api/accounts", token: TestJWT.user().token).status == 200)
        }
    }

    @Test("CORS: the configured origin gets headers on answers, errors and preflights; others do not")
    func cors() async throws {
        try await APIServer.with { api in
            let (_, token) = TestJWT.user()
            let origin = APIServer.webOrigin
            let preflight = try await TestHTTP.request("OPTIONS", api.baseURL + "/api/accounts", headers: [
                "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization,content-type",
            ])
            #expect(preflight.status == 204)
            #expect(preflight.header("Access-Control-Allow-Origin") == origin)
            #expect(preflight.header("Access-Control-Allow-Methods")?.contains("PATCH") == true)
            #expect(preflight.header("Access-Control-Allow-Headers")?.contains("Authorization") == true)

            let ok = try await api.call("GET", "/api/accounts", token: token, headers: ["Origin": origin])
            #expect(ok.status == 200)
            #expect(ok.header("Access-Control-Allow-Origin") == origin)
            let denied = try await api.call("GET", "/api/accounts", token: nil, headers: ["Origin": origin])
            #expect(denied.status == 401)
            #expect(denied.header("Access-Control-Allow-Origin") == origin)

            let evil = try await api.call("GET", "/api/accounts", token: token, headers: ["Origin": "https://evil.test"])
            #expect(evil.header("Access-Control-Allow-Origin") == nil)
            let evilPreflight = try await TestHTTP.request("OPTIONS", api.baseURL + "/api/accounts", headers: [
                "Origin": "https://evil.test", "Access-Control-Request-Method": "DELETE",
            ])
            #expect(evilPreflight.status == 403)
            #expect(evilPreflight.header("Access-Control-Allow-Origin") == nil)
        }
    }

    @Test("/openapi.yaml is served and names every /api path")
    func openAPIDocument() async throws {
        try await APIServer.with { api in
            let reply = try await TestHTTP.get(api.baseURL + "/openapi.yaml")
            #expect(reply.status == 200)
            #expect(reply.header("Content-Type")?.hasPrefix("application/yaml") == true)
            for path in ["/api/accounts:", "/api/accounts/{id}:", "/api/accounts/{id}/sync:", "/api/dashboard/summary:",
                         "/api/billing/stripe-webhook:", "/healthz:", "/readyz:", "/metrics:", "/admin/fleet:"] {
                #expect(reply.text.contains("\n  \(path)"), "\(path) is described")
            }
        }
    }
}
