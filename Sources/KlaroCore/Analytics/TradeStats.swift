import Foundation

/// Measures of a set of closed trades (the whole account, or one symbol, EA, hour…).
///
/// A trade's result is its net profit `profit + swap + commission + fee`. It is a win above
/// zero, a loss below zero and break-even within ±1e-9 (break-evens count in `count` and in the
/// win rate's denominator, in neither wins nor losses). Formulas are in `docs/analytics.md`.
public struct TradeStats: Codable, Sendable, Equatable {
    public var count: Int
    public var wins: Int
    public var losses: Int
    public var breakeven: Int
    /// `wins ÷ count`; nil without trades.
    public var winRate: Double?
    /// Sum of net results.
    public var netProfit: Double
    /// Sum of the winning trades' results (≥ 0).
    public var grossProfit: Double
    /// Sum of the losing trades' results (≤ 0).
    public var grossLoss: Double
    /// `grossProfit ÷ |grossLoss|`; nil without losses.
    public var profitFactor: Double?
    /// Mean result per trade, `netProfit ÷ count`; nil without trades.
    public var expectancy: Double?
    /// Expectancy in units of the average loss, `expectancy ÷ |averageLoss|`; nil without
    /// losses. (A true R needs each trade's initial stop, which closed trades do not carry.)
    public var expectancyR: Double?
    /// `grossProfit ÷ wins`; nil without wins.
    public var averageWin: Double?
    /// `grossLoss ÷ losses` (negative); nil without losses.
    public var averageLoss: Double?
    /// The highest result (the earliest closed on ties); nil without trades.
    public var bestTrade: TradeExtreme?
    /// The lowest result (the earliest closed on ties); nil without trades.
    public var worstTrade: TradeExtreme?
    /// Sum of the trades' opened volume, in lots.
    public var totalLots: Double
    /// Mean open-to-close time in seconds; nil without trades.
    public var averageDurationSeconds: Double?
    /// The parts of `netProfit` paid as commission, swap and fee.
    public var totalCommission: Double
    public var totalSwap: Double
    public var totalFee: Double
    /// Buy trades.
    public var long: DirectionStats
    /// Sell trades.
    public var short: DirectionStats

    /// `averageWin ÷ |averageLoss|`; nil without wins or losses.
    public var payoffRatio: Double?
    /// Sample standard deviation (n − 1) of the results; nil with fewer than 2 trades.
    public var resultStandardDeviation: Double?
    /// The runs test of the win/loss sequence (``TradeRunTracker``) and the probability
    /// `erf(|Z| ÷ √2)` that the sequence is not random; nil when undefined.
    public var zScore: Double?
    public var zScoreConfidence: Double?
    /// The longest streaks of wins and of losses (earliest on ties), and the streaks of the
    /// largest profit and the largest loss; nil without such trades.
    public var maxConsecutiveWins: TradeRun?
    public var maxConsecutiveLosses: TradeRun?
    public var maxConsecutiveProfit: TradeRun?
    public var maxConsecutiveLoss: TradeRun?
    /// Days (in the analysis calendar) on which at least one trade closed.
    public var tradingDays = 0
    /// Σ price move in pips of the trades whose symbol's digits are known (`pipsTrades`
    /// of them; a pip is 10 points on 3- and 5-digit symbols, else one point); nil when none.
    public var pips: Double?
    public var pipsTrades = 0

    /// Statistics of no trades.
    public static let empty = TradeStatsAccumulator().stats

    enum CodingKeys: String, CodingKey {
        case count, wins, losses, breakeven
        case winRate = "win_rate"
        case netProfit = "net_profit"
        case grossProfit = "gross_profit"
        case grossLoss = "gross_loss"
        case profitFactor = "profit_factor"
        case expectancy
        case expectancyR = "expectancy_r"
        case averageWin = "average_win"
        case averageLoss = "average_loss"
        case bestTrade = "best_trade"
        case worstTrade = "worst_trade"
        case totalLots = "total_lots"
        case averageDurationSeconds = "average_duration_seconds"
        case totalCommission = "total_commission"
        case totalSwap = "total_swap"
        case totalFee = "total_fee"
        case long, short
        case payoffRatio = "payoff_ratio"
        case resultStandardDeviation = "result_standard_deviation"
        case zScore = "z_score"
        case zScoreConfidence = "z_score_confidence"
        case maxConsecutiveWins = "max_consecutive_wins"
        case maxConsecutiveLosses = "max_consecutive_losses"
        case maxConsecutiveProfit = "max_consecutive_profit"
        case maxConsecutiveLoss = "max_consecutive_loss"
        case tradingDays = "trading_days"
        case pips
        case pipsTrades = "pips_trades"
    }
}
