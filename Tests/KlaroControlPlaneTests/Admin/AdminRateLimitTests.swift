import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Admin API: failed authentications are rate limited")
struct AdminRateLimitTests {
    @Test("after the limit a client gets 429 with Retry-After, and no more audit rows")
    func limited() async throws {
        try await withTestDatabase { database in
            var configuration = try RunningControlPlane.configuration(
                databaseURL: database.url, redisURL: try await TestRedis.url(), sync: adminSettings())
            configuration.authFailureLimit = 3
            let klarod = try await RunningControlPlane(configuration: configuration)
            let pool = database.pool()
            let bad = ["Authorization": "Bearer wrong-token-0123456789abcdefghij"]
            var statuses: [Int] = []
            for _ in 0..<6 {
                statuses.append(try await TestHTTP.request("POST", klarod.baseURL + "/admin/rebalance", headers: bad).status)
            }
            #expect(statuses == [401, 401, 401, 429, 429, 429])
            let limited = try await TestHTTP.request("GET", klarod.baseURL + "/admin/fleet", headers: bad)
            #expect(limited.header("Retry-After").flatMap(Int.init).map { $0 >= 1 } == true)
            #expect(try limited.json()["code"] as? String == "auth_rate_limited")
            #expect(try await pool.query("SELECT count(*) FROM admin_audit")[0].int(0) == 3)
            // The locked-out address keeps working with the right token (issue 15: a locked-out
            // client's valid credentials are not refused), and wrong ones stay limited.
            let good = ["Authorization": "Bearer \(klarod.adminToken)"]
            #expect(try await TestHTTP.request("GET", klarod.baseURL + "/admin/fleet", headers: good).status == 200)
            #expect(try await TestHTTP.request("GET", klarod.baseURL + "/admin/fleet", headers: bad).status == 429)
            await klarod.stop()
            await pool.close()
        }
    }
}
