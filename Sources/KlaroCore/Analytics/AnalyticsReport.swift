import Foundation

/// One account's trading analytics over a range (``AccountAnalytics/report(_:)``).
///
/// Money is in the account currency; returns and rates are fractions (0.05 = 5 %); times are
/// broker wall-clock epoch seconds; undefined values are nil (left out of the JSON), never NaN.
/// Formulas and conventions: `docs/analytics.md`.
public struct AnalyticsReport: Codable, Sendable, Equatable {
    /// The requested range, echoed.
    public var range: AnalyticsRange
    /// The zone that cut days (its identifier, `GMT` by default).
    public var timeZone: String
    /// First and last day that hold data (trades, cash flows or snapshots); nil without data.
    public var firstDay: String?
    public var lastDay: String?

    public var startingBalance: Double
    public var startingBalanceSource: StartingBalanceSource
    /// `startingBalance + deposits − withdrawals + netProfit`.
    public var endingBalance: Double
    /// External money in and out through the balance (deposits, bonuses, corrections, split by
    /// sign; withdrawals as a positive amount).
    public var deposits: Double
    public var withdrawals: Double
    /// Net credit given by the broker in the range (outside the balance, inside equity).
    public var credit: Double
    /// `startingBalance + deposits − withdrawals`: the capital the results were made on.
    public var netDeposits: Double

    /// `tradeNetProfit + adjustments`.
    public var netProfit: Double
    /// Net result of the closed trades (`trades.net_profit`).
    public var tradeNetProfit: Double
    /// Non-external operations: charges, commissions booked as deals, interest, dividends, tax.
    public var adjustments: Double

    /// Time-weighted return of the balance over the span, neutral to cash flows; nil without
    /// data or when a result fell on a non-positive balance.
    public var gain: Double?
    /// `netProfit ÷ netDeposits`; nil when net deposits are not positive.
    public var absoluteGain: Double?
    /// Annualised (√365) ratios of the daily gains; see ``RiskRatios``.
    public var sharpeRatio: Double?
    public var sortinoRatio: Double?
    /// Volatility, CAGR, Calmar, recovery factor, AHPR and GHPR (``ReturnMeasures``).
    public var measures: ReturnMeasures

    /// Closed-trade measures over the whole range.
    public var trades: TradeStats
    public var breakdown: TradeBreakdown

    /// Drawdowns of the snapshot balances and equities; nil without snapshots.
    public var balanceDrawdown: DrawdownReport?
    public var equityDrawdown: DrawdownReport?
    /// The balance curve rebuilt from the deal history shown (the whole history when the
    /// plan allows): its drawdown since inception and its highest balance. Set by the
    /// caller that loaded the history (``BalanceCurveSummary``); nil otherwise.
    public var sinceInception: BalanceCurveSummary?

    /// Every calendar day from `firstDay` to `lastDay`, and every month they touch.
    public var daily: [DailyPoint]
    public var monthly: [MonthlyPoint]

    enum CodingKeys: String, CodingKey {
        case range
        case timeZone = "time_zone"
        case firstDay = "first_day"
        case lastDay = "last_day"
        case startingBalance = "starting_balance"
        case startingBalanceSource = "starting_balance_source"
        case endingBalance = "ending_balance"
        case deposits, withdrawals, credit
        case netDeposits = "net_deposits"
        case netProfit = "net_profit"
        case tradeNetProfit = "trade_net_profit"
        case adjustments, gain
        case absoluteGain = "absolute_gain"
        case sharpeRatio = "sharpe_ratio"
        case sortinoRatio = "sortino_ratio"
        case measures
        case trades, breakdown
        case balanceDrawdown = "balance_drawdown"
        case equityDrawdown = "equity_drawdown"
        case sinceInception = "since_inception"
        case daily, monthly
    }
}
