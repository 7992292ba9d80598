import Foundation
import Testing
import KlaroCore

/// Every measure on the fixture account (AnalyticsFixture), against values computed by hand.
@Suite struct FixtureAccountTests {
    let report = AccountAnalytics.report(AnalyticsFixture.input)

    @Test func tradeCountsAndRates() {
        let stats = report.trades
        // Nets: +200 −100 +300 −400 +400 −420 0 +900 −99 (the open trade and the one before
        // the range are ignored). Wins 4, losses 4, break-even 1 (trade 107).
        #expect(stats.count == 9)
        #expect(stats.wins == 4 && stats.losses == 4 && stats.breakeven == 1)
        #expect(isClose(stats.winRate, 4.0 / 9.0))
        // Long = 101, 104, 105, 106, 109: wins 101, 105 → 2/5; net 200−400+400−420−99 = −319.
        #expect(stats.long.count == 5 && stats.long.wins == 2 && stats.long.losses == 3)
        #expect(isClose(stats.long.winRate, 0.4))
        #expect(isClose(stats.long.netProfit, -319))
        // Short = 102, 103, 107, 108: wins 103, 108 → 2/4; net −100+300+0+900 = 1100.
        #expect(stats.short.count == 4 && stats.short.wins == 2 && stats.short.losses == 1)
        #expect(isClose(stats.short.winRate, 0.5))
        #expect(isClose(stats.short.netProfit, 1_100))
    }

    @Test func tradeMoney() {
        let stats = report.trades
        // Net 200−100+300−400+400−420+0+900−99 = 781; gross profit 200+300+400+900 = 1800;
        // gross loss −100−400−420−99 = −1019.
        #expect(isClose(stats.netProfit, 781))
        #expect(isClose(stats.grossProfit, 1_800))
        #expect(isClose(stats.grossLoss, -1_019))
        // Profit factor 1800 / 1019 = 1.766437684…
        #expect(isClose(stats.profitFactor, 1.766_437_684, 1e-9))
        // Expectancy 781 / 9 = 86.777…; average win 1800/4 = 450; average loss −1019/4 = −254.75;
        // expectancy in R = 86.777… / 254.75 = 0.340638970…
        #expect(isClose(stats.expectancy, 86.777_777_777_8, 1e-9))
        #expect(isClose(stats.averageWin, 450))
        #expect(isClose(stats.averageLoss, -254.75))
        #expect(isClose(stats.expectancyR, 0.340_638_970_7, 1e-9))
        // Commission −10−5−10−4−20−10−10−6−5 = −80; swap −6 (trade 104); fee 0.
        #expect(isClose(stats.totalCommission, -80))
        #expect(isClose(stats.totalSwap, -6))
        #expect(stats.totalFee == 0)
    }

    @Test func tradeExtremesLotsAndLength() {
        let stats = report.trades
        #expect(stats.bestTrade == TradeExtreme(ticket: 108, symbol: "XAUUSD", netProfit: 900, timeClose: AnalyticsFixture.at(4, 12)))
        #expect(stats.worstTrade == TradeExtreme(ticket: 106, symbol: "GBPUSD", netProfit: -420, timeClose: AnalyticsFixture.at(3, 8, 30)))
        // Lots 1 + 0.5 + 1 + 0.2 + 2 + 1 + 1 + 0.3 + 0.5 = 7.5.
        #expect(isClose(stats.totalLots, 7.5))
        // Lengths 1h 2h 3h 4h 1h 30m 1h 4h 15m = 3600+7200+10800+14400+3600+1800+3600+14400+900
        // = 60,300 s; / 9 = 6,700 s.
        #expect(isClose(stats.averageDurationSeconds, 6_700))
    }

    @Test func balanceAndCashFlows() {
        // No starting balance given: S1 (Mon 08:30) shows 10,000 and the only event before it is
        // the 10,000 deposit, so the balance at the range start was 0.
        #expect(report.startingBalanceSource == .firstSnapshot)
        #expect(isClose(report.startingBalance, 0))
        #expect(isClose(report.deposits, 11_050))      // 10,000 + 1,050
        #expect(isClose(report.withdrawals, 2_000))
        #expect(report.credit == 0)
        #expect(isClose(report.netDeposits, 9_050))    // 0 + 11,050 − 2,000
        #expect(isClose(report.tradeNetProfit, 781))
        #expect(isClose(report.adjustments, -30))      // the charge
        #expect(isClose(report.netProfit, 751))        // 781 − 30
        #expect(isClose(report.endingBalance, 9_801))  // 9,050 + 751, S9's balance
        // Absolute gain 751 / 9050 = 0.082983425…
        #expect(isClose(report.absoluteGain, 0.082_983_425_4, 1e-9))
    }

    @Test func timeWeightedGain() {
        // Balance sub-periods between cash flows (deposit first, so the chain starts at 10,000):
        //   Mon 08:00 – Tue 12:00: 10,000 → 10,000 (+200 −100 +300 −400): × 10000/10000 = 1
        //   Tue 12:00 – Fri 07:00: 8,000 → 7,950 (+400 −420 +0 −30):        × 7950/8000
        //   Fri 07:00 – end:       9,000 → 9,801 (+900 −99):                × 9801/9000 = 1.089
        // Gain = 7950/8000 · 1.089 − 1 = 0.99375 · 1.089 − 1 = 0.08219375.
        #expect(isClose(report.gain, 0.082_193_75, 1e-12))
        #expect(report.gain != report.absoluteGain)
    }

    @Test func dailySeries() throws {
        // Mon: 10000 → 10400 after the deposit: 0.04.      Cumulative 1.04.
        // Tue: 10400 → 10000 (−400), then 8000 → 8400: 10000/10400 · 8400/8000 − 1 = 1/104.
        //      Cumulative 1.04 · 1.05/1.04 = 1.05.
        // Wed: nothing: 0.                                  Cumulative 1.05.
        // Thu: 8400 → 7950 (−420, 0, −30): −450/8400 = −3/56. Cumulative 1.05 · 7950/8400 = 0.99375.
        // Fri: 9000 → 9801: 0.089.                          Cumulative 0.99375 · 1.089 = 1.08219375.
        let days = report.daily
        try #require(days.count == 5)
        #expect(days.map(\.date) == ["2024-03-04", "2024-03-05", "2024-03-06", "2024-03-07", "2024-03-08"])
        let gains: [Double] = [0.04, 1.0 / 104, 0, -3.0 / 56, 0.089]
        let cumulative: [Double] = [0.04, 0.05, 0.05, -0.00625, 0.082_193_75]
        for (index, day) in days.enumerated() {
            #expect(isClose(day.gain, gains[index], 1e-12), "day \(day.date)")
            #expect(isClose(day.cumulativeGain, cumulative[index], 1e-12), "day \(day.date)")
        }
        #expect(days.map(\.netProfit) == [400, 0, 0, -450, 801])
        #expect(days.map(\.cashFlow) == [10_000, -2_000, 0, 0, 1_050])
        #expect(days.map(\.trades) == [3, 2, 0, 2, 2])
        #expect(days.map(\.balance) == [10_400, 8_400, 8_400, 7_950, 9_801])
        // Equity of each day's last snapshot: S2, S5, S6, S7, S9.
        #expect(days.map(\.equity) == [10_600, 8_400, 8_400, 7_950, 9_801])
        #expect(report.firstDay == "2024-03-04" && report.lastDay == "2024-03-08")
    }

    @Test func monthlySeries() throws {
        let month = try #require(report.monthly.first)
        #expect(report.monthly.count == 1)
        #expect(month.month == "2024-03")
        #expect(isClose(month.gain, 0.082_193_75, 1e-12))
        #expect(isClose(month.netProfit, 751))
        #expect(isClose(month.cashFlow, 9_050))
        #expect(month.trades == 9)
    }

    @Test func sharpeAndSortino() {
        // Daily r = 0.04, 0.0096153846, 0, −0.0535714286, 0.089 (5 calendar days).
        // mean = 0.0850439560 / 5 = 0.0170087912.
        // deviations: 0.0229912088, −0.0073934066, −0.0170087912, −0.0705802198, 0.0719912088;
        // squares: 0.000528596, 0.0000546625, 0.000289299, 0.00498157, 0.00518273; Σ = 0.0110368587.
        // sample variance Σ/4 = 0.00275921467, s = 0.0525282274.
        // Sharpe = 0.0170087912 / 0.0525282274 · √365 = 0.323802878 · 19.1049732 = 6.18624530.
        #expect(isClose(report.sharpeRatio, 6.186_245_300, 1e-8))
        // Downside deviation: only Thursday is negative: √(0.0535714286² / 5) = 0.0239578712.
        // Sortino = 0.0170087912 / 0.0239578712 · √365 = 0.709945849 · 19.1049732 = 13.5634964.
        #expect(isClose(report.sortinoRatio, 13.563_496_41, 1e-7))
    }

    @Test func balanceDrawdown() throws {
        // Flow-adjusted balance V − C (C = external flows so far: 10,000 until Tue 12:00, then
        // 8,000, then 9,050 from Fri 07:00):
        //   S1 0, S2 400, S3 0, S4 0, S5 400, S6 400, S7 −50, S8 −50, S9 751.
        // Peak 400 last reached at S6; trough −50 first at S7: amount 450. The 2,000 withdrawal
        // (raw 10,400 → 7,950 would be 2,450) is not a drawdown.
        // Index: S2 1.04, S3 1.0, S4 8000/(10000−2000) → 1.0, S5 1.05, S6 1.05, S7 × 7950/8400
        // = 0.99375, S8 9000/(7950+1050) → 0.99375, S9 × 1.089. Deepest: 1 − 0.99375/1.05 = 3/56.
        let drawdown = try #require(report.balanceDrawdown)
        let expected = DrawdownEpisode(
            peakTime: AnalyticsFixture.at(2, 12), troughTime: AnalyticsFixture.at(3, 12, 30),
            peakValue: 8_400, troughValue: 7_950, amount: 450, percent: 3.0 / 56
        )
        #expect(drawdown.points == 9)
        #expect(isClose(drawdown.maxAmount, 450))
        #expect(isClose(drawdown.maxPercent, 3.0 / 56, 1e-12))
        for episode in [drawdown.byAmount, drawdown.byPercent] {
            let episode = try #require(episode)
            #expect(episode.peakTime == expected.peakTime && episode.troughTime == expected.troughTime)
            #expect(episode.peakValue == expected.peakValue && episode.troughValue == expected.troughValue)
            #expect(isClose(episode.amount, 450) && isClose(episode.percent, 3.0 / 56, 1e-12))
        }
    }

    @Test func equityDrawdown() throws {
        // Flow-adjusted equity: S1 0, S2 600, S3 0, S4 0, S5 400, S6 400, S7 −50, S8 −200, S9 751.
        // Peak 600 at S2, trough −200 at S8: amount 800.
        // Index from the peak S2 (1.06): S3 × 10000/10600, S4 × 8000/(10000 − 2000) = 1
        // (withdrawal), S5 × 8400/8000, S6 × 1, S7 × 7950/8400, S8 × 8850/(7950 + 1050):
        // 10000 · 7950 · 8850 / (10600 · 8000 · 9000) = 703.575 / 763.2 = 0.921875.
        // Deepest: 1 − 0.921875 = 0.078125, the same window as the amount.
        let drawdown = try #require(report.equityDrawdown)
        #expect(isClose(drawdown.maxAmount, 800))
        #expect(isClose(drawdown.maxPercent, 0.078_125, 1e-12))
        let byAmount = try #require(drawdown.byAmount)
        let byPercent = try #require(drawdown.byPercent)
        #expect(byAmount.peakTime == AnalyticsFixture.at(0, 23) && byAmount.troughTime == AnalyticsFixture.at(4, 10))
        #expect(byAmount.peakValue == 10_600 && byAmount.troughValue == 8_850)
        #expect(byPercent == byAmount)
    }

    @Test func breakdownBySymbol() throws {
        let groups = report.breakdown.bySymbol
        #expect(groups.map(\.key) == ["EURUSD", "GBPUSD", "XAUUSD"])
        // EURUSD: 101 +200, 103 +300, 105 +400, 107 0, 109 −99 → 5 trades, net 801, 3 wins,
        // 1 loss; PF 900/99 = 9.0909…; lots 1+1+2+1+0.5 = 5.5; expectancy 801/5 = 160.2.
        let eurusd = groups[0].stats
        #expect(eurusd.count == 5 && eurusd.wins == 3 && eurusd.losses == 1 && eurusd.breakeven == 1)
        #expect(isClose(eurusd.netProfit, 801))
        #expect(isClose(eurusd.profitFactor, 900.0 / 99))
        #expect(isClose(eurusd.totalLots, 5.5))
        #expect(isClose(eurusd.expectancy, 160.2))
        #expect(isClose(eurusd.winRate, 0.6))
        // GBPUSD: 102 −100, 106 −420: no wins, PF 0/520 = 0, average win nil.
        let gbpusd = groups[1].stats
        #expect(gbpusd.count == 2 && gbpusd.wins == 0)
        #expect(isClose(gbpusd.netProfit, -520))
        #expect(gbpusd.profitFactor == 0 && gbpusd.averageWin == nil)
        // XAUUSD: 104 −400, 108 +900: PF 2.25; average length (4h + 4h)/2 = 14,400 s.
        let xauusd = groups[2].stats
        #expect(isClose(xauusd.netProfit, 500))
        #expect(isClose(xauusd.profitFactor, 2.25))
        #expect(isClose(xauusd.averageDurationSeconds, 14_400))
    }

    @Test func breakdownByMagic() {
        let groups = report.breakdown.byMagic
        #expect(groups.map(\.key) == [0, 1, 2])
        // Magic 0: 104 −400, 108 +900, 109 −99 → net 401. Magic 1: 101, 103, 105, 107 → 900,
        // no losses, so PF nil and expectancy R nil. Magic 2: 102, 106 → −520.
        #expect(groups.map(\.stats.count) == [3, 4, 2])
        #expect(isClose(groups[0].stats.netProfit, 401))
        #expect(isClose(groups[1].stats.netProfit, 900))
        #expect(groups[1].stats.profitFactor == nil && groups[1].stats.expectancyR == nil)
        #expect(isClose(groups[2].stats.netProfit, -520))
    }

    @Test func breakdownByHourAndWeekday() {
        let hours = report.breakdown.byHour
        #expect(hours.count == 24 && hours.map(\.key) == Array(0..<24))
        // Close hours: 10, 11, 15, 2, 14, 8, 10, 12, 13.
        var expectedCounts = Array(repeating: 0, count: 24)
        for hour in [10, 11, 15, 2, 14, 8, 10, 12, 13] { expectedCounts[hour] += 1 }
        #expect(hours.map(\.stats.count) == expectedCounts)
        #expect(isClose(hours[10].stats.netProfit, 200))   // 101 +200, 107 0
        #expect(isClose(hours[2].stats.netProfit, -400))   // 104
        // Close weekdays (ISO): Mon 101 102 103, Tue 104 105, Thu 106 107, Fri 108 109.
        let weekdays = report.breakdown.byWeekday
        #expect(weekdays.map(\.key) == [1, 2, 3, 4, 5, 6, 7])
        #expect(weekdays.map(\.stats.count) == [3, 2, 0, 2, 2, 0, 0])
        #expect(weekdays.map(\.stats.netProfit) == [400, 0, 0, -420, 801, 0, 0])
    }

    @Test func jsonUsesSnakeCaseAndNulls() throws {
        let data = try JSONEncoder().encode(report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["absolute_gain"] is Double)
        #expect(object["starting_balance_source"] as? String == "first_snapshot")
        let trades = try #require(object["trades"] as? [String: Any])
        #expect(trades["profit_factor"] is Double)
        #expect(trades["average_duration_seconds"] as? Double == 6_700)
        let breakdown = try #require(object["breakdown"] as? [String: Any])
        let byMagic = try #require(breakdown["by_magic"] as? [[String: Any]])
        let magicOne = try #require(byMagic.first { $0["key"] as? Int == 1 }?["stats"] as? [String: Any])
        #expect(magicOne["profit_factor"] is NSNull || magicOne["profit_factor"] == nil)
        let decoded = try JSONDecoder().decode(AnalyticsReport.self, from: data)
        #expect(decoded == report)
    }
}

/// The stand-alone entry points agree with the full report.
@Suite struct AnalyticsEntryPointTests {
    @Test func tradeStatisticsAndBreakdownMatchTheReport() {
        let report = AccountAnalytics.report(AnalyticsFixture.input)
        let trades = AnalyticsFixture.trades
        #expect(AccountAnalytics.tradeStatistics(of: trades, range: AnalyticsFixture.week) == report.trades)
        #expect(AccountAnalytics.breakdown(of: trades, range: AnalyticsFixture.week) == report.breakdown)
        // Without a range the trade closed the week before counts too (+5,000).
        #expect(AccountAnalytics.tradeStatistics(of: trades).count == 10)
        #expect(isClose(AccountAnalytics.tradeStatistics(of: trades).netProfit, 5_781))
    }
}
