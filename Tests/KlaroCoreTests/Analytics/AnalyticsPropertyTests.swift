import Foundation
import Testing
import KlaroCore

/// Properties that must hold for any account, checked on seeded random ones.
@Suite struct AnalyticsPropertyTests {
    static let seeds: [UInt64] = [1, 2, 3, 42, 2024]

    private func relativelyClose(_ a: Double?, _ b: Double?, _ tolerance: Double = 1e-9) -> Bool {
        // Both must be present: two missing values are not a comparison that held.
        guard let a, let b else { return false }
        return abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }

    @Test(arguments: seeds)
    func gainIsNeutralToCashFlows(seed: UInt64) throws {
        // The same sequence of trade returns, once without and once with deposits and
        // withdrawals between trades (profits scaled to the balance of the moment): the
        // time-weighted gain and every daily gain are the same.
        let plain = RandomAccount(seed: seed, days: 40, tradesPerDay: 6, flowChance: 0)
        let returns = plain.returns
        let withFlows = RandomAccount(seed: seed, days: 40, tradesPerDay: 6, flowChance: 0.2)
        try #require(withFlows.cashFlows.count > 5)
        try #require(withFlows.returns == returns)
        let expected = returns.reduce(1) { $0 * (1 + $1) } - 1
        let plainReport = AccountAnalytics.report(plain.input)
        let flowsReport = AccountAnalytics.report(withFlows.input)
        #expect(relativelyClose(plainReport.gain, expected))
        #expect(relativelyClose(flowsReport.gain, expected))
        for (a, b) in zip(plainReport.daily, flowsReport.daily) {
            #expect(relativelyClose(a.gain, b.gain), "day \(a.date)")
        }
    }

    @Test(arguments: seeds)
    func depositBetweenTradesLeavesDailyGainsUnchanged(seed: UInt64) {
        // Insert a deposit at a moment where nothing else happens and scale every later
        // result by the balance ratio: each later sub-period return is unchanged, so are the
        // daily gains and the total gain.
        let account = RandomAccount(seed: seed, days: 20, tradesPerDay: 4, flowChance: 0)
        let report = AccountAnalytics.report(account.input)
        let cut = account.trades.count / 2
        let depositTime = (account.trades[cut - 1].timeClose! + account.trades[cut].timeClose!) / 2
        let balanceBefore = account.startingBalance + account.trades[..<cut].reduce(0) { $0 + $1.profit + $1.commission }
        let deposit = balanceBefore * 1.5
        let scale = (balanceBefore + deposit) / balanceBefore
        var input = account.input
        for index in cut..<input.trades.count {
            let net = input.trades[index].profit + input.trades[index].commission
            input.trades[index].profit = net * scale
            input.trades[index].commission = 0
        }
        input.cashFlows.append(CashFlow(time: depositTime, amount: deposit, kind: .deposit))
        let scaled = AccountAnalytics.report(input)
        #expect(relativelyClose(scaled.gain, report.gain))
        #expect(scaled.daily.count == report.daily.count)
        for (a, b) in zip(scaled.daily, report.daily) {
            #expect(relativelyClose(a.gain, b.gain), "day \(a.date)")
        }
        #expect(relativelyClose(scaled.sharpeRatio, report.sharpeRatio, 1e-7))
    }

    @Test(arguments: seeds)
    func breakdownsAddUpToTotals(seed: UInt64) {
        let account = RandomAccount(seed: seed, days: 30, tradesPerDay: 8, flowChance: 0.05)
        let report = AccountAnalytics.report(account.input)
        let total = report.trades
        #expect(total.count == account.trades.count)
        let splits: [[TradeStats]] = [
            report.breakdown.bySymbol.map(\.stats), report.breakdown.byMagic.map(\.stats),
            report.breakdown.byHour.map(\.stats), report.breakdown.byWeekday.map(\.stats),
        ]
        for split in splits {
            #expect(split.reduce(0) { $0 + $1.count } == total.count)
            #expect(split.reduce(0) { $0 + $1.wins } == total.wins)
            #expect(split.reduce(0) { $0 + $1.losses } == total.losses)
            #expect(relativelyClose(split.reduce(0) { $0 + $1.netProfit }, total.netProfit))
            #expect(relativelyClose(split.reduce(0) { $0 + $1.grossLoss }, total.grossLoss))
            #expect(relativelyClose(split.reduce(0) { $0 + $1.totalLots }, total.totalLots))
        }
        #expect(total.long.count + total.short.count == total.count)
        #expect(relativelyClose(total.long.netProfit + total.short.netProfit, total.netProfit))
        #expect(report.breakdown.bySymbol.count == Set(account.trades.map(\.symbol)).count)
        // The best trade of the whole is the best of the bests of the groups.
        let bestOfGroups = report.breakdown.bySymbol.compactMap(\.stats.bestTrade?.netProfit).max()
        #expect(bestOfGroups == total.bestTrade?.netProfit)
    }

    @Test(arguments: seeds)
    func seriesChainToTheGain(seed: UInt64) throws {
        // 75 days span three months; daily and monthly gains chain to the total gain, and the
        // last cumulative gain is the gain.
        let account = RandomAccount(seed: seed, days: 75, tradesPerDay: 5, flowChance: 0.05)
        let report = AccountAnalytics.report(account.input)
        let gain = try #require(report.gain)
        let daily = report.daily.compactMap(\.gain).reduce(1) { $0 * (1 + $1) } - 1
        let monthly = report.monthly.compactMap(\.gain).reduce(1) { $0 * (1 + $1) } - 1
        #expect(report.monthly.count == 3)
        #expect(relativelyClose(daily, gain))
        #expect(relativelyClose(monthly, gain))
        #expect(report.daily.last?.cumulativeGain == gain)
        #expect(report.monthly.reduce(0) { $0 + $1.trades } == report.trades.count)
        #expect(relativelyClose(report.daily.reduce(0) { $0 + $1.netProfit }, report.netProfit))
    }

    @Test(arguments: seeds)
    func balanceIdentity(seed: UInt64) {
        let account = RandomAccount(seed: seed, days: 30, tradesPerDay: 5, flowChance: 0.1)
        var input = account.input
        input.cashFlows.append(CashFlow(time: AnalyticsFixture.at(3, 5), amount: -12.5, kind: .interest))
        let report = AccountAnalytics.report(input)
        // ending = starting + deposits − withdrawals + net profit = net deposits + net profit.
        #expect(relativelyClose(report.endingBalance, report.netDeposits + report.netProfit))
        #expect(relativelyClose(report.netProfit, report.tradeNetProfit + report.adjustments))
        #expect(relativelyClose(report.daily.last?.balance, report.endingBalance))
    }

    @Test(arguments: seeds)
    func startingBalanceIsInferredFromTheFirstSnapshot(seed: UInt64) throws {
        let account = RandomAccount(seed: seed, days: 10, tradesPerDay: 5, flowChance: 0.1, snapshotEvery: 3_600)
        var input = account.input
        input.startingBalance = nil
        // Start from a snapshot a day and a half in, so trades and flows before it must be
        // subtracted from its balance (the very first snapshot precedes every event).
        input.snapshots.removeFirst(36)
        try #require(input.trades.contains { $0.timeClose! <= input.snapshots[0].time })
        let report = AccountAnalytics.report(input)
        #expect(report.startingBalanceSource == .firstSnapshot)
        #expect(relativelyClose(report.startingBalance, account.startingBalance))
    }
}
