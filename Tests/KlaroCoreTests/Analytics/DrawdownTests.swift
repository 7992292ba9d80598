import Foundation
import Testing
import KlaroCore

/// Drawdowns through the public report, against brute force and hand-made curves.
@Suite struct DrawdownTests {
    typealias F = AnalyticsFixture

    private func snapshots(_ values: [Double], step: Int64 = 3_600) -> [EquitySnapshot] {
        values.enumerated().map { EquitySnapshot(time: F.monday + Int64($0.offset) * step, balance: $0.element, equity: $0.element) }
    }

    private func drawdown(_ values: [Double], flows: [CashFlow] = []) -> DrawdownReport? {
        AccountAnalytics.report(AnalyticsInput(trades: [], cashFlows: flows, snapshots: snapshots(values))).equityDrawdown
    }

    @Test func withdrawalIsNotADrawdown() throws {
        // 1,000 → withdraw 600 → 400 → +10 % → 440.
        let flows = [CashFlow(time: F.monday + 1_800, amount: -600, kind: .withdrawal)]
        let report = try #require(drawdown([1_000, 400, 440], flows: flows))
        #expect(report.maxAmount == 0 && report.maxPercent == 0 && report.byAmount == nil)
    }

    @Test func depositIsNotARecovery() throws {
        // 1,000 → 900 (−10 %), then a 5,000 deposit → 5,900, then 5,310 (−10 % again).
        // Money lost from the peak: 100 + 590 = 690; index 0.9 · 0.9 = 0.81 → 19 %.
        let flows = [CashFlow(time: F.monday + 5_000, amount: 5_000, kind: .deposit)]
        let report = try #require(drawdown([1_000, 900, 5_900, 5_310], flows: flows))
        #expect(isClose(report.maxAmount, 690))
        #expect(isClose(report.maxPercent, 0.19, 1e-12))
        #expect(report.byAmount?.peakTime == F.monday && report.byAmount?.troughTime == F.monday + 3 * 3_600)
    }

    @Test func amountAndPercentCanPickDifferentWindows() throws {
        // 1,000 → 500 (−50 %) → 1,000 (recovered); deposit 99,000 → 100,000 → 90,000 (−10 %).
        // Flow-adjusted: 1000, 500, 1000, 1000, −9000. Largest amount 10,000 (S4 → S5, 10 %);
        // largest percent 50 % (S1 → S2, 500).
        let flows = [CashFlow(time: F.monday + 2 * 3_600 + 60, amount: 99_000, kind: .deposit)]
        let report = try #require(drawdown([1_000, 500, 1_000, 100_000, 90_000], flows: flows))
        let byAmount = try #require(report.byAmount)
        let byPercent = try #require(report.byPercent)
        #expect(isClose(byAmount.amount, 10_000) && isClose(byAmount.percent, 0.1, 1e-12))
        #expect(byAmount.peakTime == F.monday + 3 * 3_600 && byAmount.troughTime == F.monday + 4 * 3_600)
        #expect(isClose(byPercent.amount, 500) && isClose(byPercent.percent, 0.5, 1e-12))
        #expect(byPercent.peakTime == F.monday && byPercent.troughTime == F.monday + 3_600)
    }

    @Test func equityBelowZeroIsMoreThanEverything() throws {
        let report = try #require(drawdown([1_000, -200, 0, 300]))
        #expect(isClose(report.maxPercent, 1.2))
        #expect(isClose(report.maxAmount, 1_200))
    }

    @Test(arguments: [UInt64(5), 6, 7, 8])
    func matchesBruteForce(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let values = (0..<300).map { _ in Double.random(in: 100...2_000, using: &rng) }
        var flows: [CashFlow] = []
        for index in stride(from: 7, to: 300, by: 37) {
            flows.append(CashFlow(time: F.monday + Int64(index) * 3_600 - 10, amount: Double.random(in: -50...50, using: &rng), kind: .deposit))
        }
        // Brute force over every (peak, trough) pair.
        var cumulative = 0.0
        var nextFlow = 0
        var adjusted: [Double] = []
        for (index, value) in values.enumerated() {
            while nextFlow < flows.count, flows[nextFlow].time <= F.monday + Int64(index) * 3_600 {
                cumulative += flows[nextFlow].amount
                nextFlow += 1
            }
            adjusted.append(value - cumulative)
        }
        var bestAmount = 0.0
        var bestPercentWithoutFlows = 0.0
        for trough in values.indices {
            for peak in 0...trough {
                bestAmount = max(bestAmount, adjusted[peak] - adjusted[trough])
                bestPercentWithoutFlows = max(bestPercentWithoutFlows, 1 - values[trough] / values[peak])
            }
        }
        let report = try #require(drawdown(values, flows: flows))
        #expect(isClose(report.maxAmount, bestAmount, 1e-7))
        let plain = try #require(drawdown(values))
        #expect(isClose(plain.maxPercent, bestPercentWithoutFlows, 1e-12))
    }

    @Test(arguments: [UInt64(11), 12])
    func scalingTheAccountScalesAmountsOnly(seed: UInt64) throws {
        let account = RandomAccount(seed: seed, days: 20, tradesPerDay: 5, flowChance: 0.1, snapshotEvery: 1_800)
        let scale = 7.5
        var scaled = account.input
        scaled.snapshots = scaled.snapshots.map { EquitySnapshot(time: $0.time, balance: $0.balance * scale, equity: $0.equity * scale) }
        scaled.cashFlows = scaled.cashFlows.map { CashFlow(time: $0.time, amount: $0.amount * scale, kind: $0.kind) }
        let original = try #require(AccountAnalytics.report(account.input).equityDrawdown)
        let larger = try #require(AccountAnalytics.report(scaled).equityDrawdown)
        try #require(original.maxPercent > 0)
        #expect(isClose(larger.maxPercent, original.maxPercent, 1e-12))
        #expect(isClose(larger.maxAmount, original.maxAmount * scale, 1e-6))
        #expect(larger.byPercent?.troughTime == original.byPercent?.troughTime)
    }

    @Test func depositShiftingTheCurveChangesNoAmount() throws {
        // The same curve, once with a deposit of 500 in the middle and every later value 500
        // higher: the money drawdown is the same.
        let values: [Double] = [1_000, 1_100, 900, 950, 1_200, 800, 1_000]
        let shifted = values.enumerated().map { $0.offset >= 3 ? $0.element + 500 : $0.element }
        let flows = [CashFlow(time: F.monday + 3 * 3_600 - 60, amount: 500, kind: .deposit)]
        let plain = try #require(drawdown(values))
        let withDeposit = try #require(drawdown(shifted, flows: flows))
        #expect(isClose(withDeposit.maxAmount, plain.maxAmount))
        #expect(withDeposit.byAmount?.troughTime == plain.byAmount?.troughTime)
    }
}
