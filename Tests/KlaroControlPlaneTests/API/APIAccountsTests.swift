import Foundation
@testable import KlaroControlPlane
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Traders' API: accounts")
struct APIAccountsTests {
    @Test("create, list, show, rename, delete; the password is encrypted and never returned")
    func lifecycle() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            let created = try await api.call("POST", "/api/accounts", token: token, json: [
                "mt5_login": 5_012_345, "mt5_password": "inv-Secret-77", "mt5_server": "Broker-Demo",
                "account_name": "Main", "account_category": "Challenge",
            ])
            #expect(created.status == 201, "\(created.text)")
            #expect(!created.text.contains("inv-Secret-77"))
            let body = try created.json()
            let id = try #require((body["id"] as? String).flatMap(UUID.init(uuidString:)))
            #expect(body["mt5_login"] as? Int == 5_012_345)
            #expect(body["account_category"] as? String == "Challenge")
            #expect(body["status"] as? String == "active")
            #expect((body["notice"] as? String)?.contains("investor") == true)
            #expect(body["mt5_password"] == nil && body["mt5_password_encrypted"] == nil)

            // At rest: a v1 envelope that opens to the password for this account only.
            let stored = try await api.pool.query(
                "SELECT a.mt5_password_encrypted, s.next_sync_at <= now(), a.user_id FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1", [id])
            let envelope = try stored[0].string(0)
            #expect(envelope.hasPrefix("v1:test1:"))
            #expect(try api.vault.open(envelope, accountID: id) == "inv-Secret-77")
            #expect(try stored[0].bool(1), "a new account is due now")
            #expect(try stored[0].uuid(2) == user)

            let list = try await api.call("GET", "/api/accounts", token: token)
            #expect(list.status == 200)
            #expect(!list.text.contains("inv-Secret-77") && !list.text.contains("v1:test1"))
            let accounts = try #require(try list.json()["accounts"] as? [[String: Any]])
            #expect(accounts.count == 1)
            #expect(accounts[0]["status_text"] as? String == "Waiting for the first sync.")
            #expect(accounts[0]["stale"] as? Bool == false)

            let renamed = try await api.call("PATCH", "/api/accounts/\(id)", token: token, json: ["account_name": "Prop 1"])
            #expect(renamed.status == 200)
            #expect(try renamed.json()["account_name"] as? String == "Prop 1")
            #expect(try renamed.json()["notice"] == nil)
            #expect(try await api.pool.query("SELECT mt5_password_encrypted FROM user_mt5_accounts WHERE id = $1", [id])[0].string(0) == envelope)

            let shown = try await api.call("GET", "/api/accounts/\(id)", token: token)
            #expect(try shown.json()["account_name"] as? String == "Prop 1")

            // A pro user has room for more accounts, so the plan check passes and the duplicate
            // itself is what is refused.
            try await api.makePro(user)
            let duplicate = try await api.call("POST", "/api/accounts", token: token, json: [
                "mt5_login": 5_012_345, "mt5_password": "x", "mt5_server": "Broker-Demo",
            ])
            #expect(duplicate.status == 409, "\(duplicate.text)")
            #expect(try duplicate.json()["code"] as? String == "account_exists")

            try await api.pool.execute(
                "INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc) VALUES ($1, 1, 'EURUSD', 'BUY', 1, 1, 1, 0, now(), 0)",
                [id])
            let deleted = try await api.call("DELETE", "/api/accounts/\(id)", token: token)
            #expect(deleted.status == 204)
            #expect(try await api.pool.query("SELECT count(*) FROM positions WHERE account_id = $1", [id])[0].int(0) == 0)
            #expect(try await api.call("GET", "/api/accounts/\(id)", token: token).status == 404)
        }
    }

    @Test("a new password un-parks an auth_failed account and makes it due now")
    func newPasswordUnparks() async throws {
        try await APIServer.with { api in
            let (_, token) = TestJWT.user()
            let id = try await api.addAccount(token: token)
            try await api.pool.execute(
                """
                UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = $1
                """, [id])
            try await api.pool.execute(
                """
                UPDATE account_schedule SET next_sync_at = now() + interval '1 day', consecutive_failures = 3, last_outcome = 'auth_failed',
                    last_error_code = -6, last_error_message = 'Terminal: Authorization failed'
                WHERE account_id = $1
                """, [id])
            let parked = try await api.call("GET", "/api/accounts/\(id)", token: token).json()
            #expect(parked["status"] as? String == "auth_failed")
            #expect(parked["consecutive_failures"] as? Int == 3)
            let lastError = try #require(parked["last_error"] as? [String: Any])
            #expect(lastError["code"] as? Int == -6)
            #expect((lastError["text"] as? String)?.contains("password") == true)

            let sync = try await api.call("POST", "/api/accounts/\(id)/sync", token: token)
            #expect(sync.status == 409)
            #expect(try sync.json()["code"] as? String == "account_not_active")

            let patched = try await api.call("PATCH", "/api/accounts/\(id)", token: token, json: ["mt5_password": "new-investor"])
            #expect(patched.status == 200)
            #expect(!patched.text.contains("new-investor"))
            let row = try await api.pool.query(
                "SELECT a.status, s.consecutive_failures, s.next_sync_at <= now(), a.mt5_password_encrypted FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1", [id])
            #expect(try row[0].string(0) == "active")
            #expect(try row[0].int(1) == 0)
            #expect(try row[0].bool(2))
            #expect(try api.vault.open(try row[0].string(3), accountID: id) == "new-investor")
        }
    }

    @Test("a manual sync is due now, once a minute (429 with Retry-After), and not while a job runs")
    func manualSync() async throws {
        try await APIServer.with { api in
            let (_, token) = TestJWT.user()
            let id = try await api.addAccount(token: token)
            try await api.pool.execute("UPDATE account_schedule SET next_sync_at = now() + interval '10 minutes' WHERE account_id = $1", [id])
            let first = try await api.call("POST", "/api/accounts/\(id)/sync", token: token)
            #expect(first.status == 202)
            #expect(try first.json()["queued"] as? Bool == true)
            #expect(try await api.pool.query("SELECT next_sync_at <= now() FROM account_schedule WHERE account_id = $1", [id])[0].bool(0))

            let second = try await api.call("POST", "/api/accounts/\(id)/sync", token: token)
            #expect(second.status == 429)
            let retry = try #require(second.header("Retry-After").flatMap(Int.init))
            #expect((1...60).contains(retry))
            #expect(second.header("Content-Type") == "application/problem+json")

            // A minute later, with a job in flight: recorded, but the schedule is left alone.
            try await api.pool.execute(
                """
                UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now(),
                    next_sync_at = now() + interval '15 minutes' WHERE account_id = $1
                """, [id])
            try await api.pool.execute("UPDATE user_mt5_accounts SET sync_requested_at = now() - interval '61 seconds' WHERE id = $1", [id])
            let busy = try await api.call("POST", "/api/accounts/\(id)/sync", token: token)
            #expect(busy.status == 202)
            #expect(try busy.json()["queued"] as? Bool == false)
            #expect(try busy.json()["in_flight"] as? Bool == true)
            #expect(try await api.pool.query("SELECT next_sync_at > now() FROM account_schedule WHERE account_id = $1", [id])[0].bool(0))
        }
    }

    @Test("free plan: one account (402 naming the limit); pro: more")
    func planLimits() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            _ = try await api.addAccount(token: token, login: 1)
            let second = try await api.call("POST", "/api/accounts", token: token, json: [
                "mt5_login": 2, "mt5_password": "pw", "mt5_server": "Broker-Demo",
            ])
            #expect(second.status == 402)
            let problem = try second.json()
            #expect(problem["code"] as? String == "plan_limit")
            #expect((problem["errors"] as? [[String: Any]])?.first?["field"] as? String == "accounts")
            try await api.makePro(user)
            _ = try await api.addAccount(token: token, login: 2)
            _ = try await api.addAccount(token: token, login: 3)
            #expect(try await api.call("GET", "/api/accounts", token: token).json()["accounts"].map { ($0 as? [Any])?.count } == 3)
        }
    }

    @Test("422 names each bad field; 413 for an oversized body; 400 for a body that is not JSON")
    func validationOverHTTP() async throws {
        try await APIServer.with { api in
            let (_, token) = TestJWT.user()
            let bad = try await api.call("POST", "/api/accounts", token: token, json: [
                "mt5_login": "abc", "mt5_password": "", "mt5_server": "", "account_category": "Gold",
            ])
            #expect(bad.status == 422)
            let fields = (try bad.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }.sorted()
            #expect(fields == ["account_category", "mt5_login", "mt5_password", "mt5_server"])

            let huge = try await api.call("POST", "/api/accounts", token: token, json: [
                "mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_name": String(repeating: "x", count: 70_000),
            ])
            #expect(huge.status == 413)
            #expect(try huge.json()["code"] as? String == "too_large")

            let notJSON = try await TestHTTP.request("POST", api.baseURL + "/api/accounts",
                headers: ["Authorization": "Bearer \(token)"], body: Data("mt5_login=1".utf8))
            #expect(notJSON.status == 400)
            #expect(try await api.call("GET", "/api/accounts", token: token).json()["accounts"].map { ($0 as? [Any])?.count } == 0)
        }
    }
}
