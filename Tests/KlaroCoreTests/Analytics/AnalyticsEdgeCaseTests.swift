import Foundation
import Testing
import KlaroCore

/// Inputs that break naive formulas: nothing, only wins, only losses, one day, zero or
/// negative balances, disorder, non-finite numbers. Every report must encode as JSON, which
/// fails on NaN or infinity.
@Suite struct AnalyticsEdgeCaseTests {
    typealias F = AnalyticsFixture

    private func encodes(_ report: AnalyticsReport) -> Bool {
        (try? JSONEncoder().encode(report)) != nil
    }

    @Test func noDataAtAll() {
        let report = AccountAnalytics.report(AnalyticsInput(trades: []))
        #expect(report.trades == TradeStats.empty)
        #expect(report.trades.count == 0 && report.trades.winRate == nil && report.trades.expectancy == nil)
        #expect(report.trades.bestTrade == nil && report.trades.averageDurationSeconds == nil)
        #expect(report.gain == nil && report.absoluteGain == nil)
        #expect(report.sharpeRatio == nil && report.sortinoRatio == nil)
        #expect(report.daily.isEmpty && report.monthly.isEmpty && report.firstDay == nil)
        #expect(report.balanceDrawdown == nil && report.equityDrawdown == nil)
        #expect(report.startingBalanceSource == .assumedZero && report.endingBalance == 0)
        #expect(report.breakdown.byHour.count == 24 && report.breakdown.byWeekday.count == 7)
        #expect(report.breakdown.bySymbol.isEmpty)
        #expect(encodes(report))
    }

    @Test func onlySnapshotsNoTrades() throws {
        let report = AccountAnalytics.report(AnalyticsInput(trades: [], snapshots: F.snapshots, range: F.week))
        #expect(report.trades.count == 0)
        // Five days of data without results: every day returns 0, so gain is 0, Sharpe undefined.
        #expect(report.daily.count == 5)
        #expect(report.gain == 0)
        #expect(report.sharpeRatio == nil && report.sortinoRatio == nil)
        // Without cash flows the withdrawal in the snapshots now looks like a real fall.
        let drawdown = try #require(report.balanceDrawdown)
        #expect(isClose(drawdown.maxAmount, 2_450))  // 10,400 at S2 → 7,950 at S7
        #expect(encodes(report))
    }

    @Test func allWins() {
        let trades = [
            F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: 100),
            F.trade(2, "EURUSD", .sell, lots: 1, open: F.at(1, 9), close: F.at(1, 10), profit: 50),
            F.trade(3, "EURUSD", .buy, lots: 1, open: F.at(2, 9), close: F.at(2, 10), profit: 150),
        ]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, startingBalance: 1_000))
        let stats = report.trades
        #expect(stats.wins == 3 && stats.losses == 0 && stats.winRate == 1)
        #expect(stats.profitFactor == nil && stats.averageLoss == nil && stats.expectancyR == nil)
        #expect(isClose(stats.averageWin, 100))
        #expect(stats.grossLoss == 0)
        // Days: 100/1000 = 0.1, 50/1100, 150/1150 → gain 1300/1000 − 1 = 0.3.
        #expect(isClose(report.gain, 0.3, 1e-12))
        // No losing day: Sortino undefined; Sharpe defined.
        #expect(report.sortinoRatio == nil)
        #expect(report.sharpeRatio != nil)
        #expect(encodes(report))
    }

    @Test func allLosses() {
        let trades = [
            F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: -100),
            F.trade(2, "GBPUSD", .sell, lots: 1, open: F.at(0, 11), close: F.at(0, 12), profit: -300),
        ]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, startingBalance: 1_000))
        let stats = report.trades
        #expect(stats.wins == 0 && stats.losses == 2 && stats.winRate == 0)
        #expect(stats.profitFactor == 0)
        #expect(stats.averageWin == nil && isClose(stats.averageLoss, -200))
        // Expectancy −200, in R: −200 / 200 = −1.
        #expect(isClose(stats.expectancyR, -1))
        #expect(stats.bestTrade?.ticket == 1 && stats.worstTrade?.ticket == 2)
        #expect(isClose(report.gain, -0.4, 1e-12))
        #expect(encodes(report))
    }

    @Test func oneDayOfData() throws {
        let trades = [F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: 50)]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, startingBalance: 1_000))
        #expect(report.daily.count == 1 && report.monthly.count == 1)
        #expect(isClose(report.gain, 0.05) && isClose(report.daily[0].gain, 0.05))
        // One observation: no standard deviation, so neither ratio.
        #expect(report.sharpeRatio == nil && report.sortinoRatio == nil)
        #expect(encodes(report))
    }

    @Test func zeroStartingBalanceWithTradeBeforeAnyDeposit() {
        // The range starts mid-history and nobody passed the balance: a result on a balance of
        // 0 has no return, so gain and its series are undefined rather than infinite.
        let trades = [
            F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: 50),
            F.trade(2, "EURUSD", .buy, lots: 1, open: F.at(1, 9), close: F.at(1, 10), profit: 60),
        ]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades))
        #expect(report.startingBalanceSource == .assumedZero)
        #expect(report.gain == nil)
        #expect(report.daily.count == 2 && report.daily[0].gain == nil)
        #expect(isClose(report.daily[1].gain, 60.0 / 50))  // 60 on a balance of 50
        #expect(report.daily.allSatisfy { $0.cumulativeGain == nil })
        #expect(report.monthly.first?.gain == nil)
        #expect(report.sharpeRatio == nil && report.sortinoRatio == nil)
        #expect(report.absoluteGain == nil)  // net deposits 0
        #expect(isClose(report.trades.netProfit, 110))
        #expect(encodes(report))
    }

    @Test func zeroStartingBalanceThenDepositIsFine() {
        let flows = [CashFlow(time: F.at(0, 8), amount: 500, kind: .deposit)]
        let trades = [F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: 50)]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, cashFlows: flows, startingBalance: 0))
        #expect(report.startingBalanceSource == .given)
        #expect(isClose(report.gain, 0.1) && isClose(report.absoluteGain, 0.1))
    }

    @Test func negativeStartingBalance() {
        let trades = [F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: 50)]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, startingBalance: -200))
        #expect(report.gain == nil && report.absoluteGain == nil)
        #expect(report.endingBalance == -150)
        #expect(encodes(report))
    }

    @Test func lossBeyondTheBalanceMakesTheRestUndefined() {
        // 1,000 loses 1,500: a −150 % sub-period return has no meaning in a chained index.
        let trades = [
            F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: -1_500),
            F.trade(2, "EURUSD", .buy, lots: 1, open: F.at(1, 9), close: F.at(1, 10), profit: 100),
        ]
        let flows = [CashFlow(time: F.at(1, 8), amount: 1_000, kind: .correction)]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, cashFlows: flows, startingBalance: 1_000))
        #expect(report.daily[0].gain == nil)
        // Day 2: the correction brings the balance to 500, then +100 → 0.2, defined on its own.
        #expect(isClose(report.daily[1].gain, 0.2))
        #expect(report.daily[1].cumulativeGain == nil && report.gain == nil)
    }

    @Test func lossOfEverythingIsMinusOneHundredPercent() {
        let trades = [F.trade(1, "EURUSD", .buy, lots: 1, open: F.at(0, 9), close: F.at(0, 10), profit: -1_000)]
        let report = AccountAnalytics.report(AnalyticsInput(trades: trades, startingBalance: 1_000))
        #expect(report.gain == -1)
    }

    @Test func inputOrderDoesNotMatter() {
        let input = F.input
        var shuffled = input
        var rng = SplitMix64(seed: 7)
        shuffled.trades.shuffle(using: &rng)
        shuffled.snapshots.shuffle(using: &rng)
        shuffled.cashFlows.shuffle(using: &rng)
        #expect(AccountAnalytics.report(shuffled) == AccountAnalytics.report(input))
    }

    @Test func nonFiniteRecordsAreIgnored() {
        var input = F.input
        input.trades.append(F.trade(500, "EURUSD", .buy, lots: 1, open: F.at(2, 1), close: F.at(2, 2), profit: .nan))
        input.trades.append(F.trade(501, "EURUSD", .buy, lots: .infinity, open: F.at(2, 1), close: F.at(2, 2), profit: 1))
        input.cashFlows.append(CashFlow(time: F.at(2, 3), amount: .infinity, kind: .deposit))
        input.snapshots.append(EquitySnapshot(time: F.at(2, 4), balance: .nan, equity: 1))
        input.startingBalance = .nan
        let report = AccountAnalytics.report(input)
        #expect(report == AccountAnalytics.report(F.input))
        #expect(encodes(report))
    }

    @Test func recordsOutsideSaneTimesAreIgnored() {
        var input = F.input
        input.range = .all
        let baseline = AccountAnalytics.report(input)
        input.snapshots.append(EquitySnapshot(time: -5, balance: 1, equity: 1))
        input.cashFlows.append(CashFlow(time: .max, amount: 1, kind: .deposit))
        input.trades.append(F.trade(600, "EURUSD", .buy, lots: 1, open: -90_000, close: -86_400, profit: 1))
        let report = AccountAnalytics.report(input)
        #expect(report.daily == baseline.daily && report.trades == baseline.trades)
    }

    @Test func singleSnapshotHasNoDrawdown() throws {
        let report = AccountAnalytics.report(AnalyticsInput(
            trades: [], snapshots: [EquitySnapshot(time: F.at(0, 1), balance: 10, equity: 9)]
        ))
        let drawdown = try #require(report.equityDrawdown)
        #expect(drawdown.points == 1 && drawdown.maxAmount == 0 && drawdown.maxPercent == 0)
        #expect(drawdown.byAmount == nil && drawdown.byPercent == nil)
    }

    @Test func rangeCutsTheWeek() {
        // From Tuesday 00:00: trades 104–109, the withdrawal, the charge and the last deposit.
        // No starting balance: S3 (Tue 06:00) shows 10,000 after trade 104 (−400) → 10,400.
        var input = F.input
        input.range = AnalyticsRange(from: F.at(1, 0), to: F.at(5, 0))
        let report = AccountAnalytics.report(input)
        #expect(report.trades.count == 6)
        #expect(report.startingBalanceSource == .firstSnapshot)
        #expect(isClose(report.startingBalance, 10_400))
        #expect(isClose(report.endingBalance, 9_801))
        // 10,400 → 10,000 → (−2,000) 8,000 → 7,950 → (+1,050) 9,000 → 9,801:
        // 10000/10400 · 7950/8000 · 9801/9000 − 1.
        #expect(isClose(report.gain, 10_000.0 / 10_400 * 7_950 / 8_000 * 9_801 / 9_000 - 1, 1e-12))
        #expect(report.daily.first?.date == "2024-03-05")
    }

    @Test func givenStartingBalanceWins() {
        var input = F.input
        input.startingBalance = 500
        let report = AccountAnalytics.report(input)
        #expect(report.startingBalanceSource == .given && report.startingBalance == 500)
        #expect(isClose(report.endingBalance, 10_301))
    }

    @Test func creditMovesEquityNotBalance() throws {
        // Credit 1,000 arrives between two snapshots whose equity rises by exactly that: no
        // gain, no drawdown; its removal later is no drawdown either.
        let flows = [
            CashFlow(time: F.at(0, 12), amount: 1_000, kind: .credit),
            CashFlow(time: F.at(1, 12), amount: -1_000, kind: .credit),
        ]
        let snapshots = [
            EquitySnapshot(time: F.at(0, 10), balance: 5_000, equity: 5_000),
            EquitySnapshot(time: F.at(0, 14), balance: 5_000, equity: 6_000),
            EquitySnapshot(time: F.at(1, 14), balance: 5_000, equity: 5_000),
        ]
        let report = AccountAnalytics.report(AnalyticsInput(trades: [], cashFlows: flows, snapshots: snapshots))
        #expect(report.credit == 0)
        #expect(report.deposits == 0 && report.withdrawals == 0)
        #expect(report.startingBalance == 5_000 && report.endingBalance == 5_000)
        #expect(report.daily.map(\.cashFlow) == [0, 0])
        let equity = try #require(report.equityDrawdown)
        #expect(equity.maxAmount == 0 && equity.maxPercent == 0)
    }
}
