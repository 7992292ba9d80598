import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

/// Issue 12's window cases through the API: a window before the first snapshot, the
/// all-accounts view with an explicit `to`, days across a DST switch, and every bad parameter.
@Suite("Traders' API: analytics windows, clocks and parameters")
struct APIAnalyticsWindowTests {
    static func utc(_ text: String) -> Date { ISO8601DateFormatter().date(from: text)! }
    static func seconds(_ text: String) -> Int { Int(utc(text).timeIntervalSince1970) }

    /// A closed trade whose close is `close` on the broker's clock (and `closeUTC` in UTC, if known).
    static func trade(
        _ api: APIServer, _ account: UUID, _ ticket: Int, close: String, closeUTC: String? = nil, profit: Double,
        symbol: String = "EURUSD"
    ) async throws {
        try await api.pool.execute(
            """
            INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, time, time_close,
                                time_utc, time_close_utc, is_closed, closed_volume, deal_count)
            VALUES ($1, $2, $3, 'BUY', 1, 1.1, 1.1, $4::numeric, $5::timestamptz - interval '1 hour', $5,
                    $6::timestamptz - interval '1 hour', $6, true, 1, 2)
            """,
            [account, ticket, symbol, profit, utc(close), closeUTC.map(utc)])
    }

    static func deposit(_ api: APIServer, _ account: UUID, _ ticket: Int, at time: String, _ amount: Double) async throws {
        try await api.pool.execute(
            "INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, volume, price, profit) VALUES ($1, $2, $3, 0, 2, 0, 0, 0, $4::numeric)",
            [account, ticket, utc(time), amount])
    }

    static func snapshot(_ api: APIServer, _ account: UUID, at time: String, balance: Double, equity: Double) async throws {
        try await api.pool.execute(
            """
            INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
            VALUES (gen_random_uuid(), $1, $2::numeric, $3::numeric, 0, 0, 0, 0, 'USD', $4)
            """,
            [account, balance, equity, utc(time)])
    }

    /// Account A: deposit 10,000 on 2 Jan; +500 (10 Jan), −1,500 (10 Feb), +300 (5 Mar),
    /// +2,000 (6 Mar); snapshots only from 5 Mar. Its whole history is stored.
    static func accountA(_ api: APIServer, token: String) async throws -> UUID {
        let account = try await api.addAccount(token: token)
        try await api.pool.execute("UPDATE user_mt5_accounts SET history_complete = true WHERE id = $1", [account])
        try await deposit(api, account, 1, at: "2024-01-02T10:00:00Z", 10_000)
        try await trade(api, account, 11, close: "2024-01-10T12:00:00Z", profit: 500)
        try await trade(api, account, 12, close: "2024-02-10T12:00:00Z", profit: -1_500)
        try await trade(api, account, 13, close: "2024-03-05T10:00:00Z", profit: 300)
        try await trade(api, account, 14, close: "2024-03-06T10:00:00Z", profit: 2_000)
        try await snapshot(api, account, at: "2024-03-05T12:00:00Z", balance: 9_300, equity: 9_300)
        try await snapshot(api, account, at: "2024-03-06T12:00:00Z", balance: 11_300, equity: 11_300)
        return account
    }

    @Test("a window before the first snapshot starts from the deal history, not from 0; drawdown since inception")
    func beforeTheFirstSnapshot() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let account = try await Self.accountA(api, token: token)
            let reply = try await api.call("GET", "/api/analytics/report?account_id=\(account)&from=2024-02-01&to=2024-02-20", token: token)
            #expect(reply.status == 200, "\(reply.text)")
            let body = try reply.json()
            #expect((body["scope"] as? [String: Any])?["history_complete"] as? Bool == true)
            let report = try #require(body["result"] as? [String: Any])
            // Before: 0 "assumed" and a balance of −1,500. Now 10,000 + 500 = 10,500.
            #expect(report["starting_balance"] as? Double == 10_500)
            #expect(report["starting_balance_source"] as? String == "deal_history")
            #expect(report["ending_balance"] as? Double == 9_000)
            #expect(APIAnalyticsTests.close(report["gain"], -1_500.0 / 10_500, 1e-12))
            // Since inception, up to the window's end: 10,000 → 10,500 → 9,000: 1,500 (1/7) from
            // 10 Jan to 10 Feb, not recovered by 20 Feb; highest 10,500 on 10 Jan.
            let inception = try #require(report["since_inception"] as? [String: Any])
            #expect(inception["source"] as? String == "deals")
            #expect(inception["since"] as? Int == Self.seconds("2024-01-02T10:00:00Z"))
            #expect(inception["highest_balance"] as? Double == 10_500)
            #expect(inception["highest_balance_time"] as? Int == Self.seconds("2024-01-10T12:00:00Z"))
            let drawdown = try #require(inception["drawdown"] as? [String: Any])
            #expect(drawdown["max_amount"] as? Double == 1_500)
            #expect(APIAnalyticsTests.close(drawdown["max_percent"], 1.0 / 7, 1e-12))
            let window = try #require(drawdown["by_amount"] as? [String: Any])
            #expect(window["peak_time"] as? Int == Self.seconds("2024-01-10T12:00:00Z"))
            #expect(window["trough_time"] as? Int == Self.seconds("2024-02-10T12:00:00Z"))
            #expect(window["recovery_time"] == nil, "not recovered by the window's end")
            // Up to 8 March: 9,300 → 11,300 recovers it on 6 March, the new high.
            let dd = try await api.call("GET", "/api/analytics/drawdown?account_id=\(account)&from=2024-03-01&to=2024-03-08", token: token).json()
            let result = try #require(dd["result"] as? [String: Any])
            let later = try #require(result["since_inception"] as? [String: Any])
            #expect(later["highest_balance"] as? Double == 11_300)
            let laterWindow = (later["drawdown"] as? [String: Any])?["by_amount"] as? [String: Any]
            #expect(laterWindow?["amount"] as? Double == 1_500)
            #expect(laterWindow?["recovery_time"] as? Int == Self.seconds("2024-03-06T10:00:00Z"))
            #expect((result["balance"] as? [String: Any])?["points"] as? Int == 2, "the snapshot curve, labelled apart")
        }
    }

    @Test("all accounts with an explicit to: no account dropped, starting balances summed")
    func allAccountsWithExplicitTo() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let a = try await Self.accountA(api, token: token)
            let b = try await api.addAccount(token: token, login: 77)
            try await api.pool.execute("UPDATE user_mt5_accounts SET history_complete = true WHERE id = $1", [b])
            try await Self.deposit(api, b, 1, at: "2024-01-03T09:00:00Z", 5_000)
            try await Self.trade(api, b, 21, close: "2024-03-05T10:00:00Z", profit: 250)
            // Both accounts' last sync of 7 March is after `to` (12:00).
            try await Self.snapshot(api, a, at: "2024-03-07T20:00:00Z", balance: 11_300, equity: 11_400)
            try await Self.snapshot(api, b, at: "2024-03-07T20:00:00Z", balance: 5_250, equity: 5_260)
            let reply = try await api.call("GET", "/api/analytics/report?from=2024-02-01&to=2024-03-07T12:00:00Z", token: token)
            #expect(reply.status == 200, "\(reply.text)")
            let body = try reply.json()
            let scope = try #require(body["scope"] as? [String: Any])
            #expect((scope["account_ids"] as? [Any])?.count == 2)
            #expect(scope["equity_resolution"] as? String == "daily")
            let report = try #require(body["result"] as? [String: Any])
            #expect(report["starting_balance"] as? Double == 15_500, "10,500 + 5,000, not 0")
            #expect(report["starting_balance_source"] as? String == "deal_history")
            let days = try #require(report["daily"] as? [[String: Any]])
            #expect(days.last?["date"] as? String == "2024-03-07")
            #expect(days.last?["equity"] as? Double == 16_660, "both accounts' last day, kept inside the window")
        }
    }

    @Test("days across a DST switch: the broker's own days by default, tz= for any zone; times in UTC")
    func daysAcrossADSTSwitch() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let account = try await api.addAccount(token: token, server: "DST-Live")
            // UTC+2 until New York's switch (10 March 2024, 07:00 UTC), UTC+3 after.
            try await api.pool.execute(
                """
                INSERT INTO broker_offsets (server, from_broker, offset_seconds)
                VALUES ('DST-Live', to_timestamp(0), 7200), ('DST-Live', '2024-03-10T10:00:00Z', 10800)
                """)
            // Broker Fri 01:00 (UTC Thu 23:00), Fri 23:30 (UTC Fri 21:30), Mon 00:30 (UTC Sun 21:30).
            try await Self.trade(api, account, 1, close: "2024-03-08T01:00:00Z", closeUTC: "2024-03-07T23:00:00Z", profit: 10)
            try await Self.trade(api, account, 2, close: "2024-03-08T23:30:00Z", closeUTC: "2024-03-08T21:30:00Z", profit: 20)
            try await Self.trade(api, account, 3, close: "2024-03-11T00:30:00Z", closeUTC: "2024-03-10T21:30:00Z", profit: 30)
            func tradesByDay(_ extra: String) async throws -> [String: Int] {
                let body = try await api.call(
                    "GET", "/api/analytics/daily?account_id=\(account)&from=2024-03-07T00:00:00Z&to=2024-03-12\(extra)", token: token).json()
                let days = (body["result"] as? [String: Any])?["daily"] as? [[String: Any]] ?? []
                var counts: [String: Int] = [:]
                for day in days where (day["trades"] as? Int ?? 0) > 0 { counts[day["date"] as? String ?? ""] = day["trades"] as? Int }
                return counts
            }
            #expect(try await tradesByDay("") == ["2024-03-08": 2, "2024-03-11": 1], "the broker's days")
            #expect(try await tradesByDay("&tz=UTC") == ["2024-03-07": 1, "2024-03-08": 1, "2024-03-10": 1])
            // Tokyo (UTC+9): Fri 08:00, Sat 06:30, Mon 06:30.
            #expect(try await tradesByDay("&tz=Asia/Tokyo") == ["2024-03-08": 1, "2024-03-09": 1, "2024-03-11": 1])
            let report = try await api.call("GET", "/api/analytics/report?account_id=\(account)&from=2024-03-07&to=2024-03-12", token: token).json()
            let scope = try #require(report["scope"] as? [String: Any])
            #expect(scope["time_zone"] as? String == "broker" && scope["broker_offset_known"] as? Bool == true)
            let best = ((report["result"] as? [String: Any])?["trades"] as? [String: Any])?["best_trade"] as? [String: Any]
            #expect(best?["time_close"] as? Int == Self.seconds("2024-03-10T21:30:00Z"), "times are UTC")
            let hours = try await api.call(
                "GET", "/api/analytics/breakdown?account_id=\(account)&from=2024-03-07&to=2024-03-12&tz=UTC", token: token).json()
            let byHour = ((hours["result"] as? [String: Any])?["by_hour"] as? [[String: Any]]) ?? []
            #expect(byHour.filter { (($0["stats"] as? [String: Any])?["count"] as? Int ?? 0) > 0 }.map { $0["key"] as? Int } == [21, 23])
            // A window in UTC: 8 March 00:00–22:00 UTC holds only the Friday 21:30 UTC close.
            let narrow = try await api.call(
                "GET", "/api/analytics/trades?account_id=\(account)&from=2024-03-08T00:00:00Z&to=2024-03-08T22:00:00Z", token: token).json()
            #expect((narrow["result"] as? [String: Any])?["count"] as? Int == 1)
        }
    }

    @Test("every bad parameter is a 422 that names it")
    func badParameters() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let account = try await Self.accountA(api, token: token)
            let cases: [(String, String)] = [
                ("from=2024-03-08&to=2024-03-01", "from"),
                ("from=2026-02-30", "from"),
                ("to=2026-02-29", "to"),
                ("range=30d&from=2024-01-01", "range"),
                ("range=7d&to=2024-01-01", "range"),
                ("to=2999-01-01", "to"),
                ("currency=JPY", "currency"),
                ("tz=Mars/Olympus_Mons", "tz"),
            ]
            for path in ["report", "trades", "daily"] {
                for (query, field) in cases {
                    let reply = try await api.call("GET", "/api/analytics/\(path)?account_id=\(account)&\(query)", token: token)
                    #expect(reply.status == 422, "\(path)?\(query): \(reply.status)")
                    let fields = (try? reply.json()["errors"] as? [[String: Any]])?.compactMap { $0["field"] as? String }
                    #expect(fields == [field], "\(path)?\(query)")
                }
            }
            let dashboard = try await api.call("GET", "/api/dashboard/summary?to=2999-01-01", token: token)
            #expect(dashboard.status == 422)
        }
    }
}
