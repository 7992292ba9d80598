import Foundation

/// A streak of consecutive winning or losing trades, in close order.
public struct TradeRun: Codable, Sendable, Equatable {
    /// How many trades.
    public var count: Int
    /// Their summed net result (positive for wins, negative for losses).
    public var amount: Double
    /// Close times of the first and last trade of the streak.
    public var start: Int64
    public var end: Int64

    /// Creates a streak.
    public init(count: Int, amount: Double, start: Int64, end: Int64) {
        self.count = count
        self.amount = amount
        self.start = start
        self.end = end
    }
}

/// Streaks and the runs test of a trade sequence, in close order (docs/analytics.md).
///
/// A break-even trade ends a streak (it is neither a win nor a loss) and is left out of the
/// runs test, which looks at the win/loss sequence alone.
struct TradeRunTracker: Sendable {
    private var current: TradeRun?
    private var currentSign = 0
    private var lastSign = 0
    /// Longest streaks (earliest on ties) and the streaks of the largest money.
    var longestWins: TradeRun?
    var longestLosses: TradeRun?
    var largestProfit: TradeRun?
    var largestLoss: TradeRun?
    /// Runs of the win/loss sequence, and its wins and losses.
    private var runs = 0
    private var wins = 0
    private var losses = 0

    mutating func add(net: Double, close: Int64) {
        let sign = net > TradeStatsAccumulator.breakevenTolerance ? 1 : (net < -TradeStatsAccumulator.breakevenTolerance ? -1 : 0)
        if sign != 0 {
            if sign != lastSign { runs += 1 }
            lastSign = sign
            if sign > 0 { wins += 1 } else { losses += 1 }
        }
        if sign != currentSign || sign == 0 { finish() }
        currentSign = sign
        guard sign != 0 else { return }
        if var run = current {
            run.count += 1
            run.amount += net
            run.end = close
            current = run
        } else {
            current = TradeRun(count: 1, amount: net, start: close, end: close)
        }
    }

    /// Closes the streak in progress, keeping it if it is the longest or largest so far.
    mutating func finish() {
        guard let run = current else { return }
        current = nil
        if currentSign > 0 {
            if longestWins.map({ run.count > $0.count }) ?? true { longestWins = run }
            if largestProfit.map({ run.amount > $0.amount }) ?? true { largestProfit = run }
        } else {
            if longestLosses.map({ run.count > $0.count }) ?? true { longestLosses = run }
            if largestLoss.map({ run.amount < $0.amount }) ?? true { largestLoss = run }
        }
    }

    /// The Wald–Wolfowitz runs test of the win/loss sequence: `Z = (N(R − ½) − X) ÷
    /// √(X(X − N) ÷ (N − 1))` with `N` trades, `R` runs and `X = 2·W·L`; nil when undefined
    /// (fewer than 2 trades, or no wins or no losses).
    var zScore: Double? {
        let n = Double(wins + losses), x = 2 * Double(wins) * Double(losses)
        guard n >= 2, x * (x - n) > 0 else { return nil }
        let z = (n * (Double(runs) - 0.5) - x) / (x * (x - n) / (n - 1)).squareRoot()
        return z.isFinite ? z : nil
    }

    /// The probability that the sequence is not random: `erf(|Z| ÷ √2)`, two-sided.
    var zScoreConfidence: Double? { zScore.map { erf(abs($0) / 2.0.squareRoot()) } }
}
