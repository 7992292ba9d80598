import Foundation
@testable import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

/// The fixture account of docs/analytics.md (KlaroCoreTests' AnalyticsFixture), stored in
/// PostgreSQL and read back through the API; the expected values are the hand-computed ones.
@Suite("Traders' API: analytics")
struct APIAnalyticsTests {
    /// Monday 2024-03-04 00:00 broker time.
    static let monday = 1_709_510_400.0
    static func at(_ day: Double, _ hour: Double, _ minute: Double = 0) -> Date {
        Date(timeIntervalSince1970: monday + day * 86_400 + hour * 3_600 + minute * 60)
    }

    /// (ticket, symbol, type, lots, open, close, profit, commission, swap, magic)
    static let trades: [(Int, String, String, Double, Date, Date?, Double, Double, Double, Int)] = [
        (101, "EURUSD", "BUY", 1.0, at(0, 9), at(0, 10), 210, -10, 0, 1),
        (102, "GBPUSD", "SELL", 0.5, at(0, 9, 30), at(0, 11, 30), -95, -5, 0, 2),
        (103, "EURUSD", "SELL", 1.0, at(0, 12), at(0, 15), 310, -10, 0, 1),
        (104, "XAUUSD", "BUY", 0.2, at(0, 22), at(1, 2), -390, -4, -6, 0),
        (105, "EURUSD", "BUY", 2.0, at(1, 13), at(1, 14), 420, -20, 0, 1),
        (106, "GBPUSD", "BUY", 1.0, at(3, 8), at(3, 8, 30), -410, -10, 0, 2),
        (107, "EURUSD", "SELL", 1.0, at(3, 9), at(3, 10), 10, -10, 0, 1),
        (108, "XAUUSD", "SELL", 0.3, at(4, 8), at(4, 12), 906, -6, 0, 0),
        (109, "EURUSD", "BUY", 0.5, at(4, 13), at(4, 13, 15), -94, -5, 0, 0),
        (110, "USDJPY", "BUY", 1.0, at(4, 16), nil, 0, 0, 0, 0),
        (99, "EURUSD", "BUY", 1.0, at(-3, 9), at(-3, 10), 5_000, 0, 0, 0),
    ]

    static func store(_ api: APIServer, account: UUID) async throws {
        for (ticket, symbol, type, lots, open, close, profit, commission, swap, magic) in trades {
            try await api.pool.execute(
                """
                INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, swap, commission,
                                    magic, time, time_close, is_closed, closed_volume, deal_count)
                VALUES ($1, $2, $3, $4, $5::numeric, 1, CASE WHEN $7::timestamptz IS NULL THEN NULL ELSE 1 END, $8::numeric, $9::numeric,
                        $10::numeric, $11, $6, $7, $7::timestamptz IS NOT NULL, CASE WHEN $7::timestamptz IS NULL THEN 0 ELSE $5::numeric END, 2)
                """,
                [account, ticket, symbol, type, lots, open, close, profit, swap, commission, magic])
        }
        // Deposit 10,000 Mon 08:00; withdrawal 2,000 Tue 12:00; charge −30 Thu 12:00; deposit 1,050 Fri 07:00.
        for (ticket, type, time, amount) in [(1, 2, at(0, 8), 10_000.0), (2, 2, at(1, 12), -2_000), (3, 4, at(3, 12), -30), (4, 2, at(4, 7), 1_050)] {
            try await api.pool.execute(
                "INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, volume, price, profit) VALUES ($1, $2, $3, 0, $4, 0, 0, 0, $5::numeric)",
                [account, ticket, time, type, amount])
        }
        let snapshots: [(Date, Double, Double)] = [
            (at(0, 8, 30), 10_000, 10_000), (at(0, 23), 10_400, 10_600), (at(1, 6), 10_000, 10_000), (at(1, 12, 30), 8_000, 8_000),
            (at(1, 18), 8_400, 8_400), (at(2, 12), 8_400, 8_400), (at(3, 12, 30), 7_950, 7_950), (at(4, 10), 9_000, 8_850),
            (at(4, 18), 9_801, 9_801),
        ]
        for (time, balance, equity) in snapshots {
            try await api.pool.execute(
                """
                INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
                VALUES (gen_random_uuid(), $1, $2::numeric, $3::numeric, 0, 0, 0, 0, 'USD', $4)
                """,
                [account, balance, equity, time])
        }
    }

    static func close(_ value: Any?, _ expected: Double, _ tolerance: Double = 1e-9) -> Bool {
        guard let value = value as? Double else { return false }
        return abs(value - expected) <= tolerance
    }

    @Test("every measure of the fixture account matches the hand-computed values")
    func fixtureAccount() async throws {
        try await APIServer.with { api in
            let (user, token) = TestJWT.user()
            try await api.makePro(user)
            let account = try await api.addAccount(token: token)
            try await Self.store(api, account: account)
            let query = "account_id=\(account)&from=2024-03-04&to=2024-03-09"

            let reply = try await api.call("GET", "/api/analytics/report?\(query)", token: token)
            #expect(reply.status == 200, "\(reply.text)")
            let body = try reply.json()
            let scope = try #require(body["scope"] as? [String: Any])
            #expect(scope["currency"] as? String == "USD")
            #expect(scope["equity_resolution"] as? String == "snapshot")
            let report = try #require(body["result"] as? [String: Any])
            let trades = try #require(report["trades"] as? [String: Any])
            #expect(trades["count"] as? Int == 9)
            #expect(trades["wins"] as? Int == 4 && trades["losses"] as? Int == 4)
            #expect(Self.close(trades["net_profit"], 781))
            #expect(Self.close(trades["profit_factor"], 1_800.0 / 1_019))
            #expect(Self.close(trades["expectancy"], 781.0 / 9))
            #expect(Self.close(trades["total_lots"], 7.5))
            #expect(Self.close(trades["average_duration_seconds"], 6_700))
            #expect(Self.close((trades["long"] as? [String: Any])?["win_rate"], 0.4))
            #expect(Self.close((trades["short"] as? [String: Any])?["net_profit"], 1_100))
            #expect((trades["best_trade"] as? [String: Any])?["ticket"] as? Int == 108)
            #expect((trades["worst_trade"] as? [String: Any])?["ticket"] as? Int == 106)
            #expect(Self.close(report["gain"], 0.082_193_75, 1e-12))
            #expect(Self.close(report["absolute_gain"], 751.0 / 9_050))
            #expect(Self.close(report["sharpe_ratio"], 6.186_245_300, 1e-8))
            #expect(Self.close(report["sortino_ratio"], 13.563_496_41, 1e-7))
            #expect(Self.close((report["balance_drawdown"] as? [String: Any])?["max_amount"], 450))
            #expect(Self.close((report["equity_drawdown"] as? [String: Any])?["max_amount"], 800))
            #expect(Self.close((report["equity_drawdown"] as? [String: Any])?["max_percent"], 0.078_125))
            let breakdown = try #require(report["breakdown"] as? [String: Any])
            #expect((breakdown["by_symbol"] as? [[String: Any]])?.map { $0["key"] as? String } == ["EURUSD", "GBPUSD", "XAUUSD"])
            #expect((breakdown["by_magic"] as? [[String: Any]])?.map { $0["key"] as? Int } == [0, 1, 2])

            let daily = try await api.call("GET", "/api/analytics/daily?\(query)", token: token).json()
            let days = try #require((daily["result"] as? [String: Any])?["daily"] as? [[String: Any]])
            #expect(days.map { $0["date"] as? String } == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"])
            #expect(days.map { $0["balance"] as? Double } == [10_400, 8_400, 8_400, 7_950, 9_801])

            let stats = try await api.call("GET", "/api/analytics/trades?\(query)", token: token).json()
            #expect(Self.close((stats["result"] as? [String: Any])?["net_profit"], 781))
            let split = try await api.call("GET", "/api/analytics/breakdown?\(query)", token: token).json()
            let eurusd = ((split["result"] as? [String: Any])?["by_symbol"] as? [[String: Any]])?.first?["stats"] as? [String: Any]
            #expect(Self.close(eurusd?["net_profit"], 801))
            let drawdown = try await api.call("GET", "/api/analytics/drawdown?\(query)", token: token).json()
            #expect(Self.close(((drawdown["result"] as? [String: Any])?["balance"] as? [String: Any])?["max_percent"], 3.0 / 56, 1e-12))

            // Over two months the equity comes from the daily rollup: three points a day.
            let long = try await api.call("GET", "/api/analytics/report?account_id=\(account)&from=2024-02-01&to=2024-04-01", token: token).json()
            #expect((long["scope"] as? [String: Any])?["equity_resolution"] as? String == "daily")
            let longReport = try #require(long["result"] as? [String: Any])
            #expect((longReport["trades"] as? [String: Any])?["count"] as? Int == 10, "trade 99 of 2024-03-01 is in range now")
            #expect((longReport["equity_drawdown"] as? [String: Any])?["points"] as? Int == 15)

            // Across accounts (one here, plus an empty one): the same trades.
            _ = try await api.addAccount(token: token, login: 77)
            let all = try await api.call("GET", "/api/analytics/trades?from=2024-03-04&to=2024-03-09", token: token).json()
            #expect((all["scope"] as? [String: Any])?["account_ids"].map { ($0 as? [Any])?.count } == 2)
            #expect(Self.close((all["result"] as? [String: Any])?["net_profit"], 781))
        }
    }

    @Test("another user's account is 404; the free plan sees 30 days; bad parameters are 422")
    func scopeAndLimits() async throws {
        try await APIServer.with { api in
            let alice = TestJWT.user()
            let bob = TestJWT.user()
            let account = try await api.addAccount(token: alice.token)
            try await Self.store(api, account: account)
            for path in ["report", "trades", "breakdown", "daily", "drawdown"] {
                let reply = try await api.call("GET", "/api/analytics/\(path)?account_id=\(account)", token: bob.token)
                #expect(reply.status == 404, "\(path)")
            }
            // Alice is on the free plan: 2024 is outside her 30 days.
            let old = try await api.call("GET", "/api/analytics/trades?account_id=\(account)&from=2024-03-04&to=2024-03-09", token: alice.token)
            #expect(old.status == 200)
            #expect((try old.json()["result"] as? [String: Any])?["count"] as? Int == 0)
            let clamped = try await api.call("GET", "/api/analytics/trades?account_id=\(account)&range=all", token: alice.token).json()
            #expect((clamped["scope"] as? [String: Any])?["clamped"] as? Bool == true)
            #expect((clamped["result"] as? [String: Any])?["count"] as? Int == 0)
            let bad = try await api.call("GET", "/api/analytics/report?range=eternity", token: alice.token)
            #expect(bad.status == 422)
        }
    }
}
