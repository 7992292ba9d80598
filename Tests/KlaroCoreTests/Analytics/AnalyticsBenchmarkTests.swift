import Foundation
import Testing
import KlaroCore

/// Speed on a year of an active account. Prints figures; asserts only correctness (timing
/// depends on the machine and the build, so it is not a pass/fail criterion).
@Suite struct AnalyticsBenchmarkTests {
    @Test func yearOfAnActiveAccount() throws {
        // ~20,000 trades (0…110 a day, 365 days) and 35,040 snapshots (every 15 minutes).
        let account = RandomAccount(seed: 99, days: 365, tradesPerDay: 110, flowChance: 0.001, snapshotEvery: 900)
        let input = account.input
        try #require(input.trades.count > 18_000 && input.snapshots.count == 35_040)
        let clock = ContinuousClock()
        var report: AnalyticsReport?
        let runs = 5
        let elapsed = clock.measure {
            for _ in 0..<runs { report = AccountAnalytics.report(input) }
        }
        let result = try #require(report)
        #expect(result.trades.count == input.trades.count)
        #expect(result.daily.count == 365)

        // The figures docs/analytics.md quotes: also with every input shuffled, and encoding.
        var shuffled = input
        var rng = SplitMix64(seed: 99)
        shuffled.trades.shuffle(using: &rng)
        shuffled.cashFlows.shuffle(using: &rng)
        shuffled.snapshots.shuffle(using: &rng)
        var shuffledReport: AnalyticsReport?
        let shuffledElapsed = clock.measure {
            for _ in 0..<runs { shuffledReport = AccountAnalytics.report(shuffled) }
        }
        #expect(shuffledReport == result)
        var encoded = 0
        let encodingElapsed = try clock.measure {
            for _ in 0..<runs { encoded = try JSONEncoder().encode(result).count }
        }
        #expect(encoded > 0)
        print("analytics: \(input.trades.count) trades, \(input.snapshots.count) snapshots: \(elapsed / runs) per report, "
              + "\(shuffledElapsed / runs) shuffled, JSON encoding \(encodingElapsed / runs)")
    }
}
