import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Synchronization
import Testing

/// Issue 12 and issue 15's money bullet through the real ingest: a first sync fetches the
/// whole history, trades equal the exact sum of their deals, prices are rounded to the
/// reported digits, and the broker's clock turns deal times into UTC.
@Suite("Sync pipeline: analytics data (whole history, exact money, UTC)")
struct AnalyticsIngestTests {
    /// Winter (UTC+2) and summer (UTC+3) broker times of 2026, following New York.
    static let winterDeal: Int64 = 1_764_900_000  // 2025-12-05 02:00 UTC
    static let summerDeal: Int64 = 1_752_000_000  // 2025-07-08 18:40 UTC

    /// 120 positions of two to four deals with cent amounts (sums that binary addition gets
    /// wrong, like −31.87 + −26.64), opened by two deals at different prices, plus a deposit.
    static func deals(seed: Int64) -> [TradeDeal] {
        var deals = [TradeDeal(
            ticket: 1, time: summerDeal - 86_400, timeMsc: (summerDeal - 86_400) * 1000, type: .balance, entry: .in,
            positionID: 0, volume: 0, price: 0, profit: 50_000, symbol: "")]
        var ticket: Int64 = 10
        for position in Int64(1)...120 {
            let start = (position % 2 == 0 ? summerDeal : winterDeal) + position * 600
            let symbol = position % 3 == 0 ? "GBPUSD" : "EURUSD"
            // Money as MT5 sends it: the doubles nearest whole cents (or tenths of a cent).
            let cents = { (salt: Int64) in Double((position * 7_919 + salt * 104_729 + seed * 31) % 6_000 - 3_000) / 100 }
            let mills = { (salt: Int64) in Double((position * 7_919 + salt * 104_729 + seed * 31) % 6_000 - 3_000) / 1_000 }
            func add(_ offset: Int64, _ type: DealType, _ entry: DealEntry, _ volume: Double, _ price: Double, profit: Double) {
                ticket += 1
                deals.append(TradeDeal(
                    ticket: ticket, order: ticket, time: start + offset, timeMsc: (start + offset) * 1000 + 123, type: type,
                    entry: entry, positionID: position, volume: volume, price: price, commission: -Double(position % 5 * 35) / 100,
                    swap: mills(9), profit: profit, symbol: symbol))
            }
            add(0, .buy, .in, 0.5, 1.27805, profit: 0)
            add(60, .buy, .in, 0.5, 1.27827, profit: 0)
            add(300, .sell, .out, 0.3, 1.2791, profit: cents(1))
            add(420, .sell, .out, 0.7, 1.27917, profit: cents(2))
        }
        return deals
    }

    @Test("first sync fetches everything; every trade is the exact sum of its deals; UTC beside broker time")
    func wholeHistoryExactMoneyAndUTC() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 2, server: "Clock-Live")
            let historyFrom = Mutex<[Int64]>([])
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                historyFrom.withLock { $0.append(job.historyFrom) }
                guard case .ok(let account, _, _, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) else { return .vanish }
                let now = EpochMilliseconds.from(Date())
                // The newest tick is 3 s old on a UTC+2 clock (New York is on standard time in December).
                return .okReporting(
                    account: account, positions: [], deals: Self.deals(seed: job.login),
                    serverClock: ServerClockSample(utcMs: now, tickMs: now + 7_200_000 - 3_000, symbol: "EURUSD"),
                    symbols: [SymbolSpec(symbol: "EURUSD", digits: 5, point: 0.00001)])
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            let synced = await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == 2
            }
            #expect(synced)
            #expect(historyFrom.withLock { $0 }.prefix(2).allSatisfy { $0 == 0 }, "a first sync asks for the whole history")
            #expect(try await fixture.count("SELECT count(*) FROM user_mt5_accounts WHERE history_complete") == 2)
            #expect(try await fixture.count("SELECT count(*) FROM trades") == 240)

            // Issue 15: every trade's money equals the exact (numeric) sum of its deals.
            for column in ["profit", "commission", "swap", "fee"] {
                let mismatched = try await fixture.count("""
                    SELECT count(*) FROM trades t
                    WHERE t.\(column) <> (SELECT sum(d.\(column)) FROM deals d
                                          WHERE d.account_id = t.account_id AND d.position_id = t.ticket AND d.type IN (0, 1))
                    """)
                #expect(mismatched == 0, "\(column)")
            }
            // Prices: EURUSD at its reported 5 digits; GBPUSD (no digits reported) at 8 decimals,
            // the exact average of 0.3 × 1.2791 + 0.7 × 1.27917 (binary: 1.2791489999999999).
            #expect(try await fixture.count("SELECT count(*) FROM trades WHERE scale(price_open) > 8 OR scale(price_close) > 8") == 0)
            #expect(try await fixture.count(
                "SELECT count(*) FROM trades WHERE symbol = 'EURUSD' AND price_open = 1.27816 AND price_close = 1.27915") == 160)
            #expect(try await fixture.count(
                "SELECT count(*) FROM trades WHERE symbol = 'GBPUSD' AND price_open = 1.27816 AND price_close = 1.279149") == 80)
            #expect(try await fixture.count("SELECT count(*) FROM trades WHERE time_close_msc % 1000 = 123") == 240)

            // The clock: UTC+2 now; history extrapolated along New York (summer deals UTC+3).
            let offsets = try await fixture.pool.query(
                "SELECT offset_seconds FROM broker_offsets WHERE server = 'Clock-Live' ORDER BY from_broker DESC LIMIT 1")
            #expect(try offsets.first?.int(0) == 7_200)
            for (time, offset) in [(Self.winterDeal + 600, 7_200), (Self.summerDeal + 1_200, 10_800)] {
                let converted = try await fixture.count(
                    "SELECT count(*) FROM deals WHERE time = to_timestamp($1) AND time_utc = to_timestamp($2)",
                    [time, time - Int64(offset)])
                #expect(converted == 2, "broker \(time), offset \(offset)")
            }
            #expect(try await fixture.count("SELECT count(*) FROM deals WHERE time_utc IS NULL") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM trades WHERE time_utc IS NULL OR time_close_utc IS NULL") == 0)
            #expect(try await fixture.count(
                "SELECT count(*) FROM trades WHERE time_close_utc NOT IN (time_close - interval '2 hours', time_close - interval '3 hours')") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM broker_symbols WHERE server = 'Clock-Live' AND digits = 5") == 1)
            _ = ids
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}
