import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport

/// Calls of the built-in identity's endpoints, as supabase-js makes them.
extension APIServer {
    func signUp(_ email: String, _ password: String, headers: [String: String] = [:]) async throws -> TestHTTP.Reply {
        try await call("POST", "/auth/v1/signup", token: nil, json: ["email": email, "password": password], headers: headers)
    }

    func logIn(_ email: String, _ password: String, headers: [String: String] = [:]) async throws -> TestHTTP.Reply {
        try await call("POST", "/auth/v1/token?grant_type=password", token: nil, json: ["email": email, "password": password],
                       headers: headers)
    }

    func refresh(_ refreshToken: String) async throws -> TestHTTP.Reply {
        try await call("POST", "/auth/v1/token?grant_type=refresh_token", token: nil, json: ["refresh_token": refreshToken])
    }

    /// Signs up and returns the session's access and refresh tokens and the user id.
    func newUser(_ email: String = "trader-\(UUID().uuidString.prefix(8).lowercased())@example.com",
                 password: String = "correct horse battery") async throws -> Session {
        let reply = try await signUp(email, password)
        guard reply.status == 200 else { throw TestServerError.commandFailed("sign-up answered \(reply.status): \(reply.text)") }
        return try Session(reply)
    }
}

/// The fields of a Supabase session answer.
struct Session {
    let accessToken: String
    let refreshToken: String
    let userID: UUID
    let email: String

    init(_ reply: TestHTTP.Reply) throws {
        let json = try reply.json()
        let user = json["user"] as? [String: Any] ?? [:]
        guard let access = json["access_token"] as? String, let refresh = json["refresh_token"] as? String,
              let id = (user["id"] as? String).flatMap(UUID.init(uuidString:)), let email = user["email"] as? String
        else { throw TestServerError.commandFailed("not a session: \(reply.text)") }
        accessToken = access
        refreshToken = refresh
        userID = id
        self.email = email
    }
}

extension TestHTTP.Reply {
    /// The problem+json `code`.
    var code: String? { (try? json())?["code"] as? String }
}
