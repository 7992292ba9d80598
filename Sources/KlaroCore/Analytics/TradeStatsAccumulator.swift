import Foundation

/// Running sums behind ``TradeStats``: O(1) per trade, so one pass over the trades feeds the
/// totals and every breakdown at once.
public struct TradeStatsAccumulator: Sendable {
    /// Results within this distance of zero are break-even (floating-point dust of summed
    /// money fields).
    static let breakevenTolerance = 1e-9

    private var count = 0
    private var wins = 0
    private var losses = 0
    private var grossProfit = 0.0
    private var grossLoss = 0.0
    private var lots = 0.0
    private var durationSum = 0.0
    private var commission = 0.0
    private var swap = 0.0
    private var fee = 0.0
    private var long = DirectionSums()
    private var short = DirectionSums()
    private var best: TradeExtreme?
    private var worst: TradeExtreme?
    /// Welford's running mean and sum of squared deviations of the results.
    private var mean = 0.0
    private var squares = 0.0
    private var runs = TradeRunTracker()
    private var days = Set<Int64>()
    private var pips = 0.0
    private var pipsTrades = 0

    /// An accumulator of no trades.
    public init() {}

    /// Adds one closed trade. Add trades in close-time order (best/worst ties and streaks).
    /// - Parameters:
    ///   - trade: a closed trade.
    ///   - day: its close day in the analysis calendar (counts trading days).
    ///   - pipSize: its symbol's pip (``SymbolSpec/pipSize``); nil leaves it out of `pips`.
    public mutating func add(_ trade: Trade, day: Int64? = nil, pipSize: Double? = nil) {
        let net = trade.analyticsNetProfit
        count += 1
        let delta = net - mean
        mean += delta / Double(count)
        squares += delta * (net - mean)
        runs.add(net: net, close: trade.timeClose ?? trade.time)
        if let day { days.insert(day) }
        if let pipSize, pipSize > 0 {
            let move = (trade.priceClose - trade.priceOpen) / pipSize * (trade.type == .buy ? 1 : -1)
            if move.isFinite {
                pips += move
                pipsTrades += 1
            }
        }
        if net > Self.breakevenTolerance {
            wins += 1
            grossProfit += net
        } else if net < -Self.breakevenTolerance {
            losses += 1
            grossLoss += net
        }
        lots += trade.volume
        durationSum += trade.analyticsDurationSeconds
        commission += trade.commission
        swap += trade.swap
        fee += trade.fee
        if trade.type == .buy { long.add(net) } else { short.add(net) }
        if best.map({ net > $0.netProfit }) ?? true { best = Self.extreme(trade, net) }
        if worst.map({ net < $0.netProfit }) ?? true { worst = Self.extreme(trade, net) }
    }

    private static func extreme(_ trade: Trade, _ net: Double) -> TradeExtreme {
        TradeExtreme(
            ticket: trade.positionID, symbol: trade.symbol, netProfit: net,
            timeClose: trade.timeClose ?? trade.time
        )
    }

    /// The statistics of the trades added so far.
    public var stats: TradeStats {
        let expectancy = count > 0 ? netProfit / Double(count) : nil
        let averageLoss = losses > 0 ? grossLoss / Double(losses) : nil
        let averageWin = wins > 0 ? grossProfit / Double(wins) : nil
        var streaks = runs
        streaks.finish()
        var stats = TradeStats(
            count: count, wins: wins, losses: losses, breakeven: count - wins - losses,
            winRate: Self.ratio(Double(wins), Double(count)),
            netProfit: netProfit, grossProfit: grossProfit, grossLoss: grossLoss,
            profitFactor: losses > 0 ? Self.ratio(grossProfit, -grossLoss) : nil,
            expectancy: expectancy,
            expectancyR: expectancy.flatMap { value in averageLoss.flatMap { Self.ratio(value, -$0) } },
            averageWin: wins > 0 ? grossProfit / Double(wins) : nil,
            averageLoss: averageLoss,
            bestTrade: best, worstTrade: worst,
            totalLots: lots,
            averageDurationSeconds: count > 0 ? durationSum / Double(count) : nil,
            totalCommission: commission, totalSwap: swap, totalFee: fee,
            long: long.stats, short: short.stats
        )
        stats.payoffRatio = averageWin.flatMap { win in averageLoss.flatMap { Self.ratio(win, -$0) } }
        let deviation = (squares / Double(max(1, count - 1))).squareRoot()
        stats.resultStandardDeviation = count >= 2 && deviation.isFinite ? deviation : nil
        stats.zScore = streaks.zScore
        stats.zScoreConfidence = streaks.zScoreConfidence
        stats.maxConsecutiveWins = streaks.longestWins
        stats.maxConsecutiveLosses = streaks.longestLosses
        stats.maxConsecutiveProfit = streaks.largestProfit
        stats.maxConsecutiveLoss = streaks.largestLoss
        stats.tradingDays = days.count
        stats.pips = pipsTrades > 0 && pips.isFinite ? pips : nil
        stats.pipsTrades = pipsTrades
        return stats
    }

    /// Net profit as the sum of the direction sums, so long + short equals the total exactly.
    private var netProfit: Double { long.net + short.net }

    /// `a ÷ b`, nil when `b` is zero or the result is not finite.
    static func ratio(_ a: Double, _ b: Double) -> Double? {
        guard b != 0 else { return nil }
        let value = a / b
        return value.isFinite ? value : nil
    }
}

/// Running sums of one direction.
private struct DirectionSums: Sendable {
    var count = 0
    var wins = 0
    var losses = 0
    var net = 0.0

    mutating func add(_ result: Double) {
        count += 1
        net += result
        if result > TradeStatsAccumulator.breakevenTolerance {
            wins += 1
        } else if result < -TradeStatsAccumulator.breakevenTolerance {
            losses += 1
        }
    }

    var stats: DirectionStats {
        DirectionStats(
            count: count, wins: wins, losses: losses,
            winRate: TradeStatsAccumulator.ratio(Double(wins), Double(count)), netProfit: net
        )
    }
}
