import Foundation
import KlaroCore

/// Builders and the hand-computed fixture account shared by the analytics tests.
enum AnalyticsFixture {
    /// Monday 2024-03-04 00:00 on the broker's wall clock (epoch seconds read as UTC).
    static let monday: Int64 = 1_709_510_400

    /// Broker time `day` days after Monday 2024-03-04, at `hour:minute`.
    static func at(_ day: Int64, _ hour: Int64, _ minute: Int64 = 0) -> Int64 {
        monday + day * 86_400 + hour * 3_600 + minute * 60
    }

    /// A trade with the fields analytics reads; closed when `close` is given.
    static func trade(
        _ ticket: Int64, _ symbol: String, _ type: TradeDirection, lots: Double,
        open: Int64, close: Int64?, profit: Double, commission: Double = 0, swap: Double = 0,
        fee: Double = 0, magic: Int64 = 0
    ) -> Trade {
        Trade(
            positionID: ticket, symbol: symbol, type: type, volume: lots, priceOpen: 1,
            priceClose: close == nil ? 0 : 1, profit: profit, swap: swap, commission: commission,
            fee: fee, magic: magic, comment: "", time: open, timeMsc: open * 1000,
            timeClose: close, timeCloseMsc: close.map { $0 * 1000 }, isClosed: close != nil,
            closedVolume: close == nil ? 0 : lots, dealCount: close == nil ? 1 : 2
        )
    }

    /// A balance-type deal (MT5 type 2) as the API would load it.
    static func balanceDeal(_ ticket: Int64, at time: Int64, amount: Double) -> TradeDeal {
        TradeDeal(
            ticket: ticket, time: time, timeMsc: time * 1000, type: .balance, entry: .in,
            positionID: 0, volume: 0, price: 0, profit: amount, symbol: ""
        )
    }

    // MARK: - The fixture account (values computed by hand in FixtureAccountTests)

    /// Nine closed trades Monday to Friday, one open trade, one trade closed the week before.
    ///
    /// | #   | symbol | dir  | lots | open       | close      | profit | comm | swap | net  | magic |
    /// |-----|--------|------|------|------------|------------|--------|------|------|------|-------|
    /// | 101 | EURUSD | buy  | 1.0  | Mon 09:00  | Mon 10:00  |  210   | −10  |      | +200 | 1 |
    /// | 102 | GBPUSD | sell | 0.5  | Mon 09:30  | Mon 11:30  |  −95   |  −5  |      | −100 | 2 |
    /// | 103 | EURUSD | sell | 1.0  | Mon 12:00  | Mon 15:00  |  310   | −10  |      | +300 | 1 |
    /// | 104 | XAUUSD | buy  | 0.2  | Mon 22:00  | Tue 02:00  | −390   |  −4  |  −6  | −400 | 0 |
    /// | 105 | EURUSD | buy  | 2.0  | Tue 13:00  | Tue 14:00  |  420   | −20  |      | +400 | 1 |
    /// | 106 | GBPUSD | buy  | 1.0  | Thu 08:00  | Thu 08:30  | −410   | −10  |      | −420 | 2 |
    /// | 107 | EURUSD | sell | 1.0  | Thu 09:00  | Thu 10:00  |   10   | −10  |      |    0 | 1 |
    /// | 108 | XAUUSD | sell | 0.3  | Fri 08:00  | Fri 12:00  |  906   |  −6  |      | +900 | 0 |
    /// | 109 | EURUSD | buy  | 0.5  | Fri 13:00  | Fri 13:15  |  −94   |  −5  |      |  −99 | 0 |
    static var trades: [Trade] {
        [
            trade(101, "EURUSD", .buy, lots: 1.0, open: at(0, 9), close: at(0, 10), profit: 210, commission: -10, magic: 1),
            trade(102, "GBPUSD", .sell, lots: 0.5, open: at(0, 9, 30), close: at(0, 11, 30), profit: -95, commission: -5, magic: 2),
            trade(103, "EURUSD", .sell, lots: 1.0, open: at(0, 12), close: at(0, 15), profit: 310, commission: -10, magic: 1),
            trade(104, "XAUUSD", .buy, lots: 0.2, open: at(0, 22), close: at(1, 2), profit: -390, commission: -4, swap: -6),
            trade(105, "EURUSD", .buy, lots: 2.0, open: at(1, 13), close: at(1, 14), profit: 420, commission: -20, magic: 1),
            trade(106, "GBPUSD", .buy, lots: 1.0, open: at(3, 8), close: at(3, 8, 30), profit: -410, commission: -10, magic: 2),
            trade(107, "EURUSD", .sell, lots: 1.0, open: at(3, 9), close: at(3, 10), profit: 10, commission: -10, magic: 1),
            trade(108, "XAUUSD", .sell, lots: 0.3, open: at(4, 8), close: at(4, 12), profit: 906, commission: -6),
            trade(109, "EURUSD", .buy, lots: 0.5, open: at(4, 13), close: at(4, 13, 15), profit: -94, commission: -5),
            // Still open: ignored.
            trade(110, "USDJPY", .buy, lots: 1.0, open: at(4, 16), close: nil, profit: 0),
            // Closed the Friday before the range: ignored.
            trade(99, "EURUSD", .buy, lots: 1.0, open: at(-3, 9), close: at(-3, 10), profit: 5_000),
        ]
    }

    /// Deposit 10,000 Mon 08:00; withdrawal 2,000 Tue 12:00; charge −30 Thu 12:00 (performance,
    /// not external); deposit 1,050 Fri 07:00.
    static var cashFlows: [CashFlow] {
        [
            CashFlow(deal: balanceDeal(1, at: at(0, 8), amount: 10_000))!,
            CashFlow(deal: balanceDeal(2, at: at(1, 12), amount: -2_000))!,
            CashFlow(time: at(3, 12), amount: -30, kind: .charge),
            CashFlow(deal: balanceDeal(3, at: at(4, 7), amount: 1_050))!,
        ]
    }

    /// Nine snapshots, deliberately out of order.
    ///
    /// | #  | time      | balance | equity |
    /// |----|-----------|---------|--------|
    /// | S1 | Mon 08:30 | 10000   | 10000  |
    /// | S2 | Mon 23:00 | 10400   | 10600  | (trade 104 floating +200)
    /// | S3 | Tue 06:00 | 10000   | 10000  |
    /// | S4 | Tue 12:30 |  8000   |  8000  | (after the 2,000 withdrawal)
    /// | S5 | Tue 18:00 |  8400   |  8400  |
    /// | S6 | Wed 12:00 |  8400   |  8400  |
    /// | S7 | Thu 12:30 |  7950   |  7950  |
    /// | S8 | Fri 10:00 |  9000   |  8850  | (after the 1,050 deposit; trade 108 floating −150)
    /// | S9 | Fri 18:00 |  9801   |  9801  |
    static var snapshots: [EquitySnapshot] {
        [
            EquitySnapshot(time: at(2, 12), balance: 8_400, equity: 8_400),
            EquitySnapshot(time: at(0, 8, 30), balance: 10_000, equity: 10_000),
            EquitySnapshot(time: at(4, 18), balance: 9_801, equity: 9_801),
            EquitySnapshot(time: at(1, 6), balance: 10_000, equity: 10_000),
            EquitySnapshot(time: at(0, 23), balance: 10_400, equity: 10_600),
            EquitySnapshot(time: at(3, 12, 30), balance: 7_950, equity: 7_950),
            EquitySnapshot(time: at(1, 12, 30), balance: 8_000, equity: 8_000),
            EquitySnapshot(time: at(4, 10), balance: 9_000, equity: 8_850),
            EquitySnapshot(time: at(1, 18), balance: 8_400, equity: 8_400),
        ]
    }

    /// Monday 00:00 to Saturday 00:00.
    static let week = AnalyticsRange(from: at(0, 0), to: at(5, 0))

    static var input: AnalyticsInput {
        AnalyticsInput(trades: trades, cashFlows: cashFlows, snapshots: snapshots, range: week)
    }
}

/// Equal within `tolerance` (absolute).
func isClose(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance
}
