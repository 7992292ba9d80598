import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Built-in identity: /auth/v1 with Supabase Auth's shapes", .serialized)
struct BuiltInIdentityTests {
    @Test("sign up, call /api, log in, refresh (rotation, reuse revokes the session), log out")
    func lifecycle() async throws {
        try await APIServer.with { server in
            let signUp = try await server.signUp(" Trader@Example.com ", "correct horse battery")
            #expect(signUp.status == 200)
            let json = try signUp.json()
            #expect(json["token_type"] as? String == "bearer")
            #expect(json["expires_in"] as? Int == 3600)
            let expiresAt = try #require(json["expires_at"] as? Int)
            #expect(abs(Double(expiresAt) - Date().timeIntervalSince1970 - 3600) < 60)
            let user = try #require(json["user"] as? [String: Any])
            #expect(user["email"] as? String == "trader@example.com")
            #expect(user["aud"] as? String == "authenticated" && user["role"] as? String == "authenticated")
            #expect((user["app_metadata"] as? [String: Any])?["provider"] as? String == "email")
            #expect(user["created_at"] is String && user["email_confirmed_at"] is String)
            // Neither the password nor its hash is ever in an answer.
            #expect(!signUp.text.contains("correct horse") && !signUp.text.contains("argon2"))
            let first = try Session(signUp)

            // The access token works on /api and names the new user.
            let accounts = try await server.call("GET", "/api/accounts", token: first.accessToken)
            #expect(accounts.status == 200)
            let me = try await server.call("GET", "/auth/v1/user", token: first.accessToken)
            #expect(me.status == 200)
            #expect(try me.json()["id"] as? String == first.userID.uuidString.lowercased())

            // The refresh token is stored only hashed.
            let stored = try await server.pool.query("SELECT token_hash FROM identity_refresh_tokens")
            #expect(stored.count == 1)
            #expect(try stored[0].string(0) != first.refreshToken)

            // Log in again: a second session.
            let login = try await server.logIn("trader@example.com", "correct horse battery")
            #expect(login.status == 200)
            let second = try Session(login)
            #expect(second.userID == first.userID)

            // Refresh rotates: a new refresh token; the old one is then refused...
            let refreshed = try await server.refresh(second.refreshToken)
            #expect(refreshed.status == 200)
            let third = try Session(refreshed)
            #expect(third.refreshToken != second.refreshToken)
            #expect(try await server.call("GET", "/api/accounts", token: third.accessToken).status == 200)
            let reused = try await server.refresh(second.refreshToken)
            #expect(reused.status == 400)
            #expect(reused.code == "refresh_token_already_used")
            // ...and its reuse revoked the whole session: the newest token of it is dead too.
            let afterTheft = try await server.refresh(third.refreshToken)
            #expect(afterTheft.status == 400)
            #expect(afterTheft.code == "session_revoked")
            #expect(try await server.call("GET", "/auth/v1/user", token: third.accessToken).code == "session_not_found")
            // The first session is untouched.
            #expect(try await server.call("GET", "/auth/v1/user", token: first.accessToken).status == 200)

            // Logout revokes the session: its refresh token and /auth/v1/user stop working.
            #expect(try await server.call("POST", "/auth/v1/logout", token: first.accessToken).status == 204)
            #expect(try await server.refresh(first.refreshToken).code == "session_revoked")
            #expect(try await server.call("GET", "/auth/v1/user", token: first.accessToken).status == 403)
            #expect(try await server.refresh("not-a-token").code == "refresh_token_not_found")
        }
    }

    @Test("a wrong password and an unknown email get the same answer")
    func noEnumeration() async throws {
        try await APIServer.with { server in
            _ = try await server.newUser("known@example.com")
            let wrongPassword = try await server.logIn("known@example.com", "not the password")
            let unknownEmail = try await server.logIn("nobody@example.com", "not the password")
            let malformedEmail = try await server.logIn("nobody", "not the password")
            for reply in [wrongPassword, unknownEmail, malformedEmail] {
                #expect(reply.status == 400)
                #expect(reply.code == "invalid_credentials")
            }
            func comparable(_ reply: TestHTTP.Reply) throws -> [String: String] {
                try reply.json().filter { $0.key != "request_id" }.mapValues { "\($0)" }
            }
            #expect(try comparable(wrongPassword) == comparable(unknownEmail))
            #expect(try comparable(wrongPassword) == comparable(malformedEmail))
        }
    }

    @Test("sign-up: an existing email, weak passwords and bad emails are refused clearly")
    func signUpRefusals() async throws {
        try await APIServer.with { server in
            _ = try await server.newUser("taken@example.com")
            let again = try await server.signUp("TAKEN@example.com", "another good password")
            #expect(again.status == 422)
            #expect(again.code == "user_already_exists")
            let short = try await server.signUp("new@example.com", "short")
            #expect(short.status == 422)
            #expect(short.code == "weak_password")
            #expect(try await server.signUp("new@example.com", "new@example.com").code == "weak_password")
            #expect(try await server.signUp("new@example.com", String(repeating: "x", count: 129)).code == "weak_password")
            let badEmail = try await server.signUp("not an email", "a good long password")
            #expect(badEmail.status == 400)
            #expect(badEmail.header("Content-Type")?.hasPrefix("application/problem+json") == true)
            let noBody = try await server.call("POST", "/auth/v1/token?grant_type=magic", token: nil, json: [:])
            #expect(noBody.status == 400)
            #expect(noBody.code == "unsupported_grant_type")
            #expect(try await server.call("GET", "/auth/v1/signup", token: nil).status == 405)
        }
    }

    @Test("rate limits per client and per email answer 429 with Retry-After")
    func rateLimits() async throws {
        try await APIServer.with(configure: {
            $0.identity.clientRateLimit = 4
            $0.identity.emailRateLimit = 0
        }) { server in
            for _ in 0..<4 { #expect(try await server.logIn("x@example.com", "wrong password!").status == 400) }
            let limited = try await server.logIn("x@example.com", "wrong password!")
            #expect(limited.status == 429)
            #expect(limited.code == "over_request_rate_limit")
            #expect(Int(limited.header("Retry-After") ?? "") ?? 0 >= 1)
            #expect(try await server.signUp("y@example.com", "a good long password").status == 429)
        }
        try await APIServer.with(configure: {
            $0.identity.clientRateLimit = 0
            $0.identity.emailRateLimit = 2
        }) { server async throws in
            for _ in 0..<2 { #expect(try await server.logIn("victim@example.com", "wrong password!").status == 400) }
            #expect(try await server.logIn("Victim@example.com", "wrong password!").status == 429)
            #expect(try await server.logIn("other@example.com", "wrong password!").status == 400)
        }
    }

    @Test("password change: the new password works, the old does not, other sessions end")
    func passwordChange() async throws {
        try await APIServer.with { server in
            let session = try await server.newUser("changer@example.com", password: "first password 1")
            let other = try Session(try await server.logIn("changer@example.com", "first password 1"))
            let weak = try await server.call("PUT", "/auth/v1/user", token: session.accessToken, json: ["password": "short"])
            #expect(weak.status == 422)
            let changed = try await server.call("PUT", "/auth/v1/user", token: session.accessToken, json: ["password": "second password 2"])
            #expect(changed.status == 200)
            #expect(try changed.json()["email"] as? String == "changer@example.com")
            #expect(try await server.logIn("changer@example.com", "first password 1").code == "invalid_credentials")
            #expect(try await server.logIn("changer@example.com", "second password 2").status == 200)
            #expect(try await server.refresh(other.refreshToken).code == "session_revoked")
            #expect(try await server.refresh(session.refreshToken).status == 200)
            let unauthenticated = try await server.call("PUT", "/auth/v1/user", token: nil, json: ["password": "third password 3"])
            #expect(unauthenticated.status == 401)
        }
    }

    @Test("an operator-disabled user: refresh and log-in refused at once, API tokens at the next recheck")
    func disabledUser() async throws {
        try await APIServer.with(configure: { $0.identity.userRecheckInterval = 0 }) { server in
            let session = try await server.newUser("bad@example.com")
            #expect(try await server.call("GET", "/api/accounts", token: session.accessToken).status == 200)
            try await server.pool.execute("UPDATE users SET disabled_at = now() WHERE id = $1", [session.userID])
            #expect(try await server.refresh(session.refreshToken).code == "user_banned")
            #expect(try await server.logIn("bad@example.com", "correct horse battery").code == "user_banned")
            let api = try await server.call("GET", "/api/accounts", token: session.accessToken)
            #expect(api.status == 403)
            #expect(api.code == "user_banned")
        }
    }

    @Test("a locked-out client's valid token keeps working; invalid ones get 429")
    func lockoutKeepsValidTokens() async throws {
        try await APIServer.with(configure: { $0.authFailureLimit = 3 }) { server in
            let session = try await server.newUser()
            for _ in 0..<3 { #expect(try await server.call("GET", "/api/accounts", token: "garbage").status == 401) }
            let locked = try await server.call("GET", "/api/accounts", token: "garbage")
            #expect(locked.status == 429)
            #expect(locked.header("Retry-After") != nil)
            #expect(try await server.call("GET", "/api/accounts", token: session.accessToken).status == 200)
        }
    }
}

@Suite("Built-in identity from a browser")
struct IdentityCORSTests {
    @Test("a preflight from the web app's origin allows what supabase-js sends to /auth/v1")
    func preflight() async throws {
        try await APIServer.with { server in
            let preflight = try await TestHTTP.request("OPTIONS", server.baseURL + "/auth/v1/user", headers: [
                "Origin": APIServer.webOrigin, "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "apikey, authorization, content-type, x-client-info",
            ])
            #expect(preflight.status == 204)
            let methods = preflight.header("Access-Control-Allow-Methods") ?? ""
            let headers = (preflight.header("Access-Control-Allow-Headers") ?? "").lowercased()
            #expect(methods.contains("PUT"))
            #expect(headers.contains("apikey") && headers.contains("x-client-info") && headers.contains("authorization"))
            let login = try await server.call("POST", "/auth/v1/token?grant_type=password", token: nil,
                                              json: ["email": "a@example.com", "password": "whatever it is"],
                                              headers: ["Origin": APIServer.webOrigin])
            #expect(login.header("Access-Control-Allow-Origin") == APIServer.webOrigin)
        }
    }
}
