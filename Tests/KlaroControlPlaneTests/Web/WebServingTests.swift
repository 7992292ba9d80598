import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("klarod serves the web app beside its API")
struct WebServingTests {
    @Test("app routes get the app, the API keeps its JSON 404s and 401s, and /api/trades pages through trades")
    func served() async throws {
        let root = try WebAppFilesTests.builtApp()
        try await withTestDatabase { database in
            var configuration = try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            configuration.webRoot = root
            let klarod = try await RunningControlPlane(configuration: configuration)
            let page = try await TestHTTP.get(klarod.baseURL + "/accounts/add")
            #expect(page.status == 200)
            #expect(page.text.contains("<title>Klaro</title>"))
            #expect(page.header("Content-Security-Policy")?.contains("default-src 'self'") == true)
            let asset = try await TestHTTP.get(klarod.baseURL + "/assets/main-ABC123.js", headers: ["Accept-Encoding": "identity"])
            #expect(asset.header("Cache-Control") == "public, max-age=31536000, immutable")
            let unknown = try await TestHTTP.get(klarod.baseURL + "/api/nothing")
            #expect(unknown.status == 404)
            #expect(unknown.header("Content-Type") == "application/problem+json")
            #expect(try await TestHTTP.get(klarod.baseURL + "/api/accounts").status == 401)
            #expect(try await TestHTTP.get(klarod.baseURL + "/healthz").status == 200)

            let user = TestJWT.user()
            let pool = database.pool(size: 1)
            try await pool.execute("INSERT INTO users (id) VALUES ($1)", [user.id])
            let account = UUID()
            try await pool.execute("""
                INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name)
                VALUES ($1, $2, 5000001, 'v1:x:y', 'Demo', 'Main')
                """, [account, user.id])
            try await pool.execute("""
                INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, swap, commission, time, time_close, is_closed)
                SELECT $1, n, CASE WHEN n % 2 = 0 THEN 'EURUSD' ELSE 'XAUUSD' END, 'BUY', 0.1, 1.1, 1.2, n * 10 - 25, -1, -0.5,
                       now() - make_interval(hours => n + 1), now() - make_interval(hours => n), true
                FROM generate_series(1, 5) AS n
                """, [account])
            let headers = ["Authorization": "Bearer \(user.token)"]
            let first = try await TestHTTP.get(klarod.baseURL + "/api/trades?per_page=2&sort=-net_profit", headers: headers)
            #expect(first.status == 200)
            let body = try first.json()
            #expect(body["total"] as? Int == 5)
            let trades = try #require(body["trades"] as? [[String: Any]])
            #expect(trades.map { $0["ticket"] as? Int } == [5, 4])
            #expect(trades.first?["net_profit"] as? Double == 23.5)
            let last = try await TestHTTP.get(klarod.baseURL + "/api/trades?per_page=2&page=3&sort=-net_profit", headers: headers)
            #expect((try last.json()["trades"] as? [[String: Any]])?.map { $0["ticket"] as? Int } == [1])
            let stranger = TestJWT.user()
            let theirs = try await TestHTTP.get(klarod.baseURL + "/api/trades", headers: ["Authorization": "Bearer \(stranger.token)"])
            #expect(try theirs.json()["total"] as? Int == 0)
            let foreign = try await TestHTTP.get(klarod.baseURL + "/api/trades?account_id=\(account)", headers: ["Authorization": "Bearer \(stranger.token)"])
            #expect(foreign.status == 404)
            await pool.close()
            await klarod.stop()
        }
    }
}
