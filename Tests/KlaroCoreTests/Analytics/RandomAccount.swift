import Foundation
import KlaroCore

/// A seeded random account for property tests and the benchmark: trades whose results are
/// drawn as returns on the balance of the moment, deposits and withdrawals, and snapshots
/// taken from the simulated balance (equity = balance plus noise).
struct RandomAccount {
    var trades: [Trade] = []
    var cashFlows: [CashFlow] = []
    var snapshots: [EquitySnapshot] = []
    /// The sub-period return of every trade, in close order.
    var returns: [Double] = []
    var startingBalance: Double

    static let symbols = ["EURUSD", "GBPUSD", "XAUUSD", "USDJPY", "BTCUSD"]

    /// - Parameters:
    ///   - seed: the random seed.
    ///   - days: how many days the account trades, from `AnalyticsFixture.monday`.
    ///   - tradesPerDay: the most trades a day (uniform 0…this).
    ///   - flowChance: the chance that a trade is preceded by a deposit or withdrawal.
    ///   - snapshotEvery: seconds between snapshots; 0 for none.
    init(
        seed: UInt64, days: Int, tradesPerDay: Int, flowChance: Double,
        snapshotEvery: Int64 = 0, startingBalance: Double = 10_000
    ) {
        var rng = SplitMix64(seed: seed)
        self.startingBalance = startingBalance
        var balance = startingBalance
        var ticket: Int64 = 1
        var nextSnapshot = AnalyticsFixture.monday
        let secondsPerTrade = 86_400 / Int64(max(1, tradesPerDay))

        func takeSnapshots(until time: Int64, rng: inout SplitMix64) {
            guard snapshotEvery > 0 else { return }
            while nextSnapshot < time {
                let floating = Double.random(in: -0.02...0.02, using: &rng) * balance
                snapshots.append(EquitySnapshot(time: nextSnapshot, balance: balance, equity: balance + floating))
                nextSnapshot += snapshotEvery
            }
        }

        for day in 0..<Int64(days) {
            let count = Int.random(in: 0...tradesPerDay, using: &rng)
            for slot in 0..<Int64(count) {
                let close = AnalyticsFixture.at(day, 0) + slot * secondsPerTrade + Int64.random(in: 60..<max(61, secondsPerTrade), using: &rng)
                takeSnapshots(until: close - 30, rng: &rng)
                // Drawn whether used or not, so accounts differing only in `flowChance` share
                // their trade times, symbols and returns.
                let flowRoll = Double.random(in: 0..<1, using: &rng)
                let flowFraction = Double.random(in: -0.5...1.0, using: &rng)
                if flowRoll < flowChance {
                    let amount = flowFraction * balance
                    let flowTime = close - 30
                    cashFlows.append(CashFlow(time: flowTime, amount: amount, kind: amount < 0 ? .withdrawal : .deposit))
                    balance += amount
                }
                let rate = Double.random(in: -0.05...0.05, using: &rng)
                let net = rate * balance
                returns.append(rate)
                let symbol = Self.symbols[Int.random(in: 0..<Self.symbols.count, using: &rng)]
                trades.append(AnalyticsFixture.trade(
                    ticket, symbol, Bool.random(using: &rng) ? .buy : .sell,
                    lots: Double(Int.random(in: 1...300, using: &rng)) / 100,
                    open: close - Int64.random(in: 30...40_000, using: &rng), close: close,
                    profit: net + 1, commission: -1, magic: Int64.random(in: 0...3, using: &rng)
                ))
                ticket += 1
                // Snapshots between the flow and the close see the flow but not yet the trade.
                takeSnapshots(until: close, rng: &rng)
                balance += net
            }
        }
        takeSnapshots(until: AnalyticsFixture.at(Int64(days), 0), rng: &rng)
    }

    var input: AnalyticsInput {
        AnalyticsInput(trades: trades, cashFlows: cashFlows, snapshots: snapshots, startingBalance: startingBalance)
    }
}
