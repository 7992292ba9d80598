import Foundation
import KlaroCore
import Testing

/// The balance curve rebuilt from the deal history (issue 12, "the whole history" and
/// "drawdown since inception"), on the fixture account of docs/analytics.md without trade 99.
@Suite struct BalanceCurveTests {
    typealias F = AnalyticsFixture
    static var trades: [Trade] { F.trades.filter { $0.positionID != 99 } }
    static var curve: BalanceCurve { BalanceCurve(trades: trades, cashFlows: F.cashFlows) }

    @Test("balance at any instant is the sum of the balance-moving events before it")
    func balanceAtAnInstant() {
        // Mon: +10,000 +200 −100 +300 = 10,400; Tue: −400 −2,000 +400 = 8,400; Wed: nothing;
        // Thu: −420 +0 −30 = 7,950; Fri: +1,050 +900 −99 = 9,801.
        #expect(Self.curve.balance(before: F.at(0, 0)) == 0)
        #expect(Self.curve.balance(before: F.at(0, 8)) == 0, "the deposit itself is not before its own time")
        #expect(Self.curve.balance(before: F.at(1, 0)) == 10_400)
        #expect(Self.curve.balance(before: F.at(2, 0)) == 8_400)
        #expect(Self.curve.balance(before: F.at(3, 0)) == 8_400)
        #expect(Self.curve.balance(before: F.at(4, 0)) == 7_950)
        #expect(Self.curve.balance(before: F.at(5, 0)) == 9_801)
        let opened = BalanceCurve(openingBalance: 500, trades: Self.trades, cashFlows: F.cashFlows)
        #expect(opened.balance(before: F.at(5, 0)) == 10_301)
    }

    @Test("drawdown since inception: amount, percent, peak, trough and recovery by hand")
    func drawdownSinceInception() throws {
        // Flow-adjusted balance (V − C): Mon 08:00 0, 10:00 200, 11:30 100, 15:00 400,
        // Tue 02:00 0, 12:00 0 (withdrawal), 14:00 400, Thu 08:30 −20, 10:00 −20, 12:00 −50,
        // Fri 07:00 −50 (deposit), 12:00 850, 13:15 751. Peak 400 (last reached Tue 14:00),
        // trough −50 Thu 12:00: 450; back at 400 first at Fri 12:00.
        // Index: 1, 1.02, 1.01, 1.04, 1.0, 1.0, 1.05, 0.9975, 0.9975, 0.99375, 0.99375,
        // 1.093125, 1.0821875: deepest 1 − 0.99375 ÷ 1.05 = 3/56, same window and recovery.
        let summary = BalanceCurveSummary(Self.curve, historyComplete: true)
        #expect(summary.source == "deals" && summary.historyComplete)
        #expect(summary.since == F.at(0, 8))
        let drawdown = try #require(summary.drawdown)
        #expect(drawdown.points == 13)
        #expect(isClose(drawdown.maxAmount, 450))
        #expect(isClose(drawdown.maxPercent, 3.0 / 56, 1e-12))
        for episode in [drawdown.byAmount, drawdown.byPercent] {
            let episode = try #require(episode)
            #expect(episode.peakTime == F.at(1, 14) && episode.troughTime == F.at(3, 12))
            #expect(episode.peakValue == 8_400 && episode.troughValue == 7_950)
            #expect(episode.recoveryTime == F.at(4, 12))
        }
        #expect(summary.highestBalance == 10_400 && summary.highestBalanceTime == F.at(0, 15))
        // The same curve cut before Friday has not recovered.
        let cut = BalanceCurve(
            trades: Self.trades.filter { ($0.timeClose ?? 0) < F.at(4, 0) },
            cashFlows: F.cashFlows.filter { $0.time < F.at(4, 0) })
        let open = try #require(cut.drawdown()?.byAmount)
        #expect(open.troughTime == F.at(3, 12) && open.recoveryTime == nil)
        let json = String(decoding: try JSONEncoder().encode(open), as: UTF8.self)
        #expect(!json.contains("recovery_time"), "not recovered: the key is left out")
    }

    @Test("with an opening balance and across accounts")
    func openingAndMerging() throws {
        // Opening 1,000 then a loss of 500: 50 % on the first window, not a fall from 0.
        let loss = F.trade(1, "EURUSD", .buy, lots: 1, open: 10, close: 20, profit: -500)
        let curve = BalanceCurve(openingBalance: 1_000, trades: [loss], cashFlows: [])
        let drawdown = try #require(curve.drawdown())
        #expect(drawdown.points == 2 && isClose(drawdown.maxPercent, 0.5) && isClose(drawdown.maxAmount, 500))
        let merged = BalanceCurve(merging: [curve, Self.curve])
        #expect(merged.openingBalance == 1_000)
        #expect(merged.balance(before: F.at(5, 0)) == 10_301)
        #expect(BalanceCurve(trades: [], cashFlows: []).drawdown() == nil)
    }
}
