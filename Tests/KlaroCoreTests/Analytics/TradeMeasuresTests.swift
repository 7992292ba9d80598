import Foundation
import KlaroCore
import Testing

/// The measures traders compare (issue 12), on hand-computed fixtures.
@Suite struct TradeMeasuresTests {
    typealias F = AnalyticsFixture
    static let report = AccountAnalytics.report(F.input)

    @Test("the fixture week: payoff, deviation, runs test, streaks, trading days")
    func fixtureTrades() throws {
        let stats = Self.report.trades
        // Nets in close order: +200 −100 +300 −400 +400 −420 0 +900 −99.
        #expect(isClose(stats.payoffRatio, 450 / 254.75))
        // Σx = 781, Σx² = 40,000 + 10,000 + 90,000 + 160,000 + 160,000 + 176,400 + 0 + 810,000
        // + 9,801 = 1,456,201: s² = (1,456,201 − 781²/9) ÷ 8.
        #expect(isClose(stats.resultStandardDeviation, ((1_456_201 - 781.0 * 781 / 9) / 8).squareRoot(), 1e-9))
        // W L W L W L (0) W L: N 8, W 4, L 4, R 8, X 32: Z = (8 · 7.5 − 32) ÷ √(32 · 24 ÷ 7) = 2.673169.
        #expect(isClose(stats.zScore, 28 / (768.0 / 7).squareRoot(), 1e-12))
        #expect(isClose(stats.zScore, 2.673_169, 1e-6))
        // Confidence erf(Z ÷ √2) = 2Φ(Z) − 1 ≈ 99.25 %.
        #expect(isClose(stats.zScoreConfidence, erf(2.673_169 / 2.0.squareRoot()), 1e-6))
        #expect(isClose(stats.zScoreConfidence, 0.9925, 1e-4))
        // Every streak is one trade: the first win (#101), the largest win (#108), the first
        // loss (#102), the largest loss (#106).
        #expect(stats.maxConsecutiveWins == TradeRun(count: 1, amount: 200, start: F.at(0, 10), end: F.at(0, 10)))
        #expect(stats.maxConsecutiveProfit == TradeRun(count: 1, amount: 900, start: F.at(4, 12), end: F.at(4, 12)))
        #expect(stats.maxConsecutiveLosses == TradeRun(count: 1, amount: -100, start: F.at(0, 11, 30), end: F.at(0, 11, 30)))
        #expect(stats.maxConsecutiveLoss == TradeRun(count: 1, amount: -420, start: F.at(3, 8, 30), end: F.at(3, 8, 30)))
        // Trades closed Mon, Tue, Thu and Fri.
        #expect(stats.tradingDays == 4)
        #expect(stats.pips == nil && stats.pipsTrades == 0, "no symbol digits given")
        // Per symbol: EURUSD closed Mon, Tue, Thu, Fri; GBPUSD Mon and Thu.
        let bySymbol = Dictionary(uniqueKeysWithValues: Self.report.breakdown.bySymbol.map { ($0.key, $0.stats) })
        #expect(bySymbol["EURUSD"]?.tradingDays == 4 && bySymbol["GBPUSD"]?.tradingDays == 2)
        // EURUSD +200 +300 +400 0 −99: the streak #101 #103 #105 spans Mon 10:00 to Tue 14:00.
        #expect(bySymbol["EURUSD"]?.maxConsecutiveProfit == TradeRun(count: 3, amount: 900, start: F.at(0, 10), end: F.at(1, 14)))
        #expect(bySymbol["EURUSD"]?.maxConsecutiveWins == bySymbol["EURUSD"]?.maxConsecutiveProfit)
    }

    @Test("streaks and the runs test on a longer sequence")
    func streaks() throws {
        // +10 +20 −5 −5 −5 +100 0 +1 +1 +1 −50, an hour apart.
        let nets: [Double] = [10, 20, -5, -5, -5, 100, 0, 1, 1, 1, -50]
        let trades = nets.enumerated().map { index, net in
            F.trade(Int64(index + 1), "EURUSD", .buy, lots: 1, open: Int64(index) * 3_600, close: Int64(index) * 3_600 + 60, profit: net)
        }
        let stats = AccountAnalytics.tradeStatistics(of: trades)
        #expect(stats.maxConsecutiveWins == TradeRun(count: 3, amount: 3, start: 7 * 3_600 + 60, end: 9 * 3_600 + 60))
        #expect(stats.maxConsecutiveProfit == TradeRun(count: 1, amount: 100, start: 5 * 3_600 + 60, end: 5 * 3_600 + 60))
        #expect(stats.maxConsecutiveLosses == TradeRun(count: 3, amount: -15, start: 2 * 3_600 + 60, end: 4 * 3_600 + 60))
        #expect(stats.maxConsecutiveLoss == TradeRun(count: 1, amount: -50, start: 10 * 3_600 + 60, end: 10 * 3_600 + 60))
        // W W L L L W W W W L (the break-even left out): N 10, W 6, L 4, R 4, X 48:
        // Z = (10 · 3.5 − 48) ÷ √(48 · 38 ÷ 9) = −13 ÷ 14.23610 = −0.913172.
        #expect(isClose(stats.zScore, -13 / (48.0 * 38 / 9).squareRoot(), 1e-12))
        #expect(isClose(stats.zScoreConfidence, erf(13 / (48.0 * 38 / 9).squareRoot() / 2.0.squareRoot()), 1e-12))
        #expect(stats.tradingDays == 1)
        // Undefined: one trade; only wins.
        #expect(AccountAnalytics.tradeStatistics(of: Array(trades.prefix(1))).zScore == nil)
        #expect(AccountAnalytics.tradeStatistics(of: Array(trades.prefix(2))).zScore == nil)
        #expect(AccountAnalytics.tradeStatistics(of: Array(trades.prefix(2))).payoffRatio == nil)
    }

    @Test("profit in pips: 10 points on 5- and 3-digit symbols, one point otherwise")
    func pips() {
        func trade(_ ticket: Int64, _ symbol: String, _ type: TradeDirection, _ open: Double, _ close: Double) -> Trade {
            var trade = F.trade(ticket, symbol, type, lots: 1, open: ticket * 100, close: ticket * 100 + 50, profit: 1)
            trade.priceOpen = open
            trade.priceClose = close
            return trade
        }
        let trades = [
            trade(1, "EURUSD", .buy, 1.10000, 1.10250),  // +25 pips
            trade(2, "USDJPY", .sell, 150.000, 150.500),  // −50 pips
            trade(3, "XAUUSD", .buy, 2_000.00, 2_001.50),  // +150 pips (pip = point on 2 digits)
            trade(4, "BTCUSD", .buy, 60_000, 61_000),  // no digits known: left out
        ]
        let symbols = [
            "EURUSD": SymbolSpec(symbol: "EURUSD", digits: 5, point: 0.00001),
            "USDJPY": SymbolSpec(symbol: "USDJPY", digits: 3, point: 0.001),
            "XAUUSD": SymbolSpec(symbol: "XAUUSD", digits: 2, point: 0.01),
        ]
        let stats = AccountAnalytics.tradeStatistics(of: trades, symbols: symbols)
        #expect(isClose(stats.pips, 125, 1e-6))
        #expect(stats.pipsTrades == 3)
        let split = AccountAnalytics.breakdown(of: trades, symbols: symbols)
        #expect(isClose(split.bySymbol.first { $0.key == "USDJPY" }?.stats.pips, -50, 1e-6))
    }

    @Test("return measures of the fixture week: volatility, CAGR, Calmar, recovery, AHPR, GHPR")
    func returnMeasures() throws {
        let measures = Self.report.measures
        // Daily gains 0.04, 1/104, 0, −3/56, 0.089 (FixtureAccountTests): sample s = 0.0525282274.
        let gains = [0.04, 1.0 / 104, 0, -3.0 / 56, 0.089]
        let mean = gains.reduce(0, +) / 5
        let s = (gains.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 4).squareRoot()
        #expect(isClose(s, 0.052_528_227_4, 1e-10))
        #expect(isClose(measures.volatility, s * 365.0.squareRoot(), 1e-12))
        // CAGR over 5 days: 1.08219375^(365/5) − 1.
        #expect(isClose(measures.cagr, pow(1.082_193_75, 73) - 1, 1e-6))
        // Daily index 1.04, 1.05, 1.05, 0.99375, 1.0821938: deepest 1 − 0.99375 ÷ 1.05 = 3/56.
        #expect(isClose(measures.dailyMaxDrawdown, 3.0 / 56, 1e-12))
        #expect(isClose(measures.calmarRatio, (pow(1.082_193_75, 73) - 1) / (3.0 / 56), 1e-3))
        // Balance rebuilt from deals: the since-inception curve (BalanceCurveTests): 450 money.
        #expect(isClose(measures.balanceCurveDrawdown?.maxAmount, 450))
        #expect(isClose(measures.recoveryFactor, 751.0 / 450))
        // HPR per trade on the balance before it: 200/10000, −100/10200, 300/10100,
        // −400/10400, 400/8000, −420/8400, 0/7980, 900/9000, −99/9900.
        let pairs: [(net: Double, balance: Double)] = [
            (200, 10_000), (-100, 10_200), (300, 10_100), (-400, 10_400), (400, 8_000), (-420, 8_400), (0, 7_980),
            (900, 9_000), (-99, 9_900),
        ]
        let hprs = pairs.map { $0.net / $0.balance }
        #expect(isClose(measures.ahpr, hprs.reduce(0, +) / 9, 1e-12))
        #expect(isClose(measures.ghpr, exp(hprs.reduce(0) { $0 + log(1 + $1) } / 9) - 1, 1e-12))
    }
}
