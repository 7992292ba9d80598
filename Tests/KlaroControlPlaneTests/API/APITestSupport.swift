import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport

/// A klarod on a fresh database, with helpers to call the traders' API as some user.
struct APIServer: Sendable {
    static let jwtSecret = "test-jwt-secret-0123456789abcdef0123456789"
    static let stripeSecret = "whsec_test_0123456789abcdef"
    static let webOrigin = "https://app.klaro.test"

    let klarod: RunningControlPlane
    let database: TestDatabase
    let pool: PostgresPool

    var baseURL: String { klarod.baseURL }
    var vault: CredentialVault { CredentialVault(keyRing: klarod.controlPlane.configuration.credentialKeys!) }

    /// Runs `body` with a klarod on a fresh migrated database and stops both afterwards.
    static func with<T: Sendable>(
        configure: (inout KlaroConfiguration) -> Void = { _ in }, _ body: (APIServer) async throws -> T
    ) async throws -> T {
        try await withTestDatabase { database in
            var configuration = try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            configuration.stripeWebhookSecret = Secret(stripeSecret)
            configuration.corsOrigins = [webOrigin]
            configure(&configuration)
            let klarod = try await RunningControlPlane(configuration: configuration)
            let pool = database.pool(size: 2)
            let server = APIServer(klarod: klarod, database: database, pool: pool)
            do {
                let value = try await body(server)
                await pool.close()
                await klarod.stop()
                return value
            } catch {
                await pool.close()
                await klarod.stop()
                throw error
            }
        }
    }

    /// Calls the API with `token` as bearer (none when nil) and an optional JSON body.
    func call(
        _ method: String, _ path: String, token: String?, json: Any? = nil, headers: [String: String] = [:]
    ) async throws -> TestHTTP.Reply {
        var headers = headers
        if let token { headers["Authorization"] = "Bearer \(token)" }
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            headers["Content-Type"] = "application/json"
        }
        return try await TestHTTP.request(method, baseURL + path, headers: headers, body: body)
    }

    /// Adds an account through the API and returns its id.
    func addAccount(token: String, login: Int = 5_012_345, server: String = "Broker-Demo", password: String = "investor-pw") async throws -> UUID {
        let reply = try await call("POST", "/api/accounts", token: token, json: [
            "mt5_login": login, "mt5_password": password, "mt5_server": server, "account_name": "Main", "account_category": "Demo",
        ])
        guard reply.status == 201, let id = (try reply.json()["id"] as? String).flatMap(UUID.init(uuidString:)) else {
            throw TestServerError.commandFailed("adding an account answered \(reply.status): \(reply.text)")
        }
        return id
    }

    /// Makes the user pro with an active subscription row.
    func makePro(_ userID: UUID) async throws {
        try await pool.execute("INSERT INTO users (id) VALUES ($1) ON CONFLICT DO NOTHING", [userID])
        try await pool.execute(
            "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ($1, $2, 'cus_x', 'active')",
            [userID, "sub_\(userID.uuidString.prefix(8))"])
    }
}

/// Makes HS256 tokens shaped like Supabase's.
enum TestJWT {
    /// The issuer test klarods expect (``RunningControlPlane/testPublicURL``).
    static let issuer = RunningControlPlane.testPublicURL + "/auth/v1"

    static func make(
        sub: String, secret: String = APIServer.jwtSecret, aud: Any = "authenticated", exp: Double = Date().timeIntervalSince1970 + 3600,
        alg: String = "HS256", iss: String = issuer, extra: [String: Any] = [:]
    ) -> String {
        let header = try! JSONSerialization.data(withJSONObject: ["alg": alg, "typ": "JWT"], options: [.sortedKeys])
        var claims: [String: Any] = [
            "sub": sub, "aud": aud, "exp": exp, "role": "authenticated", "iat": Date().timeIntervalSince1970, "iss": iss,
        ]
        claims.merge(extra) { $1 }
        let payload = try! JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys])
        let input = Base64URL.encode(header) + "." + Base64URL.encode(payload)
        let signature = try! HMAC.sha256(key: Array(secret.utf8), message: Array(input.utf8))
        return input + "." + Base64URL.encode(signature)
    }

    static func user(_ id: UUID = UUID()) -> (id: UUID, token: String) {
        (id, make(sub: id.uuidString.lowercased()))
    }
}
