import Foundation

/// One local day of the account: its return, the cumulative growth for charts, and what moved
/// the balance.
public struct DailyPoint: Codable, Sendable, Equatable {
    /// `YYYY-MM-DD` in the analysis time zone.
    public var date: String
    /// The day's time-weighted return as a fraction (0 on a day without results); nil when a
    /// result fell on a non-positive balance.
    public var gain: Double?
    /// Time-weighted return from the first day through this one; nil from the first undefined
    /// day on.
    public var cumulativeGain: Double?
    /// Results booked this day: closed trades plus non-external operations (charges, interest…).
    public var netProfit: Double
    /// External money moved through the balance this day (deposits positive, withdrawals
    /// negative; credit excluded).
    public var cashFlow: Double
    /// Trades closed this day.
    public var trades: Int
    /// The balance at the end of the day, rebuilt from the starting balance and the events.
    public var balance: Double
    /// The equity of the day's last snapshot; nil on a day without snapshots.
    public var equity: Double?

    /// Creates a daily point.
    public init(
        date: String, gain: Double?, cumulativeGain: Double?, netProfit: Double, cashFlow: Double,
        trades: Int, balance: Double, equity: Double?
    ) {
        self.date = date
        self.gain = gain
        self.cumulativeGain = cumulativeGain
        self.netProfit = netProfit
        self.cashFlow = cashFlow
        self.trades = trades
        self.balance = balance
        self.equity = equity
    }

    enum CodingKeys: String, CodingKey {
        case date, gain
        case cumulativeGain = "cumulative_gain"
        case netProfit = "net_profit"
        case cashFlow = "cash_flow"
        case trades, balance, equity
    }
}
