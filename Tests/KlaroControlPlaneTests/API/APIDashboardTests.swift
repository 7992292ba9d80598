import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Traders' API: dashboard summary")
struct APIDashboardTests {
    static func snapshot(_ api: APIServer, _ account: UUID, at: Date, balance: Double, equity: Double, margin: Double = 0,
                         currency: String = "USD") async throws {
        try await api.pool.execute(
            """
            INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
            VALUES (gen_random_uuid(), $1, $2::numeric, $3::numeric, $3::numeric - $2::numeric, $4::numeric, $3::numeric - $4::numeric,
                    CASE WHEN $4::numeric > 0 THEN $3::numeric / $4::numeric * 100 ELSE 0 END, $5, $6)
            """,
            [account, balance, equity, margin, currency, at])
    }

    static func deal(_ api: APIServer, _ account: UUID, ticket: Int, at: Date, type: Int = 1, profit: Double, commission: Double = 0) async throws {
        try await api.pool.execute(
            """
            INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, volume, price, profit, commission, symbol)
            VALUES ($1, $2, $3, 0, $4, 1, 1, 1, $5, $6, 'EURUSD')
            """,
            [account, ticket, at, type, profit, commission])
    }

    @Test("latest figures per account, sums per currency, closed profit today and this month, and the curve")
    func summary() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let a = try await api.addAccount(token: token, login: 1)
            let b = try await api.addAccount(token: token, login: 2)
            let c = try await api.addAccount(token: token, login: 3)
            let now = Date()
            let calendar = DashboardQuery.utcCalendar
            let today = calendar.startOfDay(for: now)
            let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!

            try await Self.snapshot(api, a, at: now.addingTimeInterval(-7200), balance: 1000, equity: 990)
            try await Self.snapshot(api, a, at: now.addingTimeInterval(-60), balance: 1100, equity: 1150, margin: 100)
            try await Self.snapshot(api, b, at: now.addingTimeInterval(-3600), balance: 500, equity: 450, margin: 50)
            try await Self.snapshot(api, c, at: now.addingTimeInterval(-60), balance: 300, equity: 300, currency: "EUR")
            try await api.pool.execute(
                """
                INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc)
                SELECT $1, g, 'EURUSD', 'BUY', 1, 1, 1, 0, now(), 0 FROM generate_series(1, 3) g
                """, [a])
            // Today: +40 − 2 commission on a; a balance deposit does not count; this month: +15 more.
            try await Self.deal(api, a, ticket: 1, at: today.addingTimeInterval(60), profit: 40, commission: -2)
            try await Self.deal(api, a, ticket: 2, at: today.addingTimeInterval(120), type: 2, profit: 5000)
            try await Self.deal(api, b, ticket: 1, at: today.addingTimeInterval(-1), profit: 15)
            // (On the 1st of a month, b's deal of a second before midnight is last month's.)
            try await Self.deal(api, b, ticket: 2, at: monthStart.addingTimeInterval(-1), profit: 999)

            let reply = try await api.call("GET", "/api/dashboard/summary?range=1d", token: token)
            #expect(reply.status == 200, "\(reply.text)")
            let body = try reply.json()
            #expect(body["plan"] as? String == "pro")
            let accounts = try #require(body["accounts"] as? [[String: Any]])
            #expect(accounts.map { $0["id"] as? String } == [a, b, c].map { $0.uuidString.lowercased() })
            #expect(accounts[0]["balance"] as? Double == 1100)
            #expect(accounts[0]["equity"] as? Double == 1150)
            #expect(accounts[0]["floating_profit"] as? Double == 50)
            #expect(accounts[0]["margin_level"] as? Double == 1150)
            #expect(accounts[0]["open_positions"] as? Int == 3)
            #expect(accounts[0]["closed_profit_today"] as? Double == 38)
            let yesterdayInMonth = today > monthStart
            #expect(accounts[1]["closed_profit_today"] as? Double == 0)
            #expect(accounts[1]["closed_profit_month"] as? Double == (yesterdayInMonth ? 15 : 0))
            #expect(accounts[0]["closed_profit_month"] as? Double == 38)

            let totals = try #require(body["totals"] as? [[String: Any]])
            #expect(totals.map { $0["currency"] as? String } == ["EUR", "USD"])
            let usd = totals[1]
            #expect(usd["accounts"] as? Int == 2)
            #expect(usd["balance"] as? Double == 1600)
            #expect(usd["equity"] as? Double == 1600)
            #expect(usd["margin"] as? Double == 150)
            #expect((usd["margin_level"] as? Double).map { abs($0 - 1600.0 / 150 * 100) < 1e-9 } == true)
            #expect(usd["open_positions"] as? Int == 3)

            let curve = try #require(body["curve"] as? [String: Any])
            #expect(curve["resolution"] as? String == "hour")
            let curves = try #require(curve["accounts"] as? [[String: Any]])
            let aPoints = try #require(curves.first { $0["account_id"] as? String == a.uuidString.lowercased() }?["points"] as? [[String: Any]])
            #expect(aPoints.map { $0["balance"] as? Double } == [1000, 1100])
            // Bucket starts as ISO 8601 UTC seconds, like every other date in the answer.
            let firstHour = ((now.timeIntervalSince1970 - 7200) / 3600).rounded(.down) * 3600
            let firstT = try #require(aPoints.first?["t"] as? String)
            #expect(firstT.hasSuffix(":00:00Z"))
            #expect(ISO8601DateFormatter().date(from: firstT) == Date(timeIntervalSince1970: firstHour))
            let usdCurve = try #require((curve["totals"] as? [[String: Any]])?.first { $0["currency"] as? String == "USD" })
            #expect(((usdCurve["points"] as? [[String: Any]])?.last?["balance"] as? Double) == 1600)

            // A year: daily points from the rollup.
            let year = try await api.call("GET", "/api/dashboard/summary?range=1y", token: token).json()
            let yearCurve = try #require(year["curve"] as? [String: Any])
            #expect(yearCurve["resolution"] as? String == "day")
            let daily = (yearCurve["accounts"] as? [[String: Any]])?.first { $0["account_id"] as? String == a.uuidString.lowercased() }
            #expect(((daily?["points"] as? [[String: Any]])?.last?["balance"] as? Double) == 1100)
        }
    }

    @Test("the free plan's curve is clamped to 30 days; bad ranges are 422")
    func freeClamp() async throws {
        try await APIServer.with { api in
            let (_, token) = TestJWT.user()
            let a = try await api.addAccount(token: token)
            try await Self.snapshot(api, a, at: Date().addingTimeInterval(-40 * 86_400), balance: 1, equity: 1)
            try await Self.snapshot(api, a, at: Date().addingTimeInterval(-86_400), balance: 2, equity: 2)
            let body = try await api.call("GET", "/api/dashboard/summary?range=1y", token: token).json()
            #expect(body["plan"] as? String == "free")
            #expect(body["history_days"] as? Int == 30)
            let curve = try #require(body["curve"] as? [String: Any])
            #expect(curve["clamped"] as? Bool == true)
            let points = (curve["accounts"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]
            #expect(points?.map { $0["balance"] as? Double } == [2])
            let bad = try await api.call("GET", "/api/dashboard/summary?range=forever", token: token)
            #expect(bad.status == 422)
            #expect((try bad.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "range")
        }
    }
}
