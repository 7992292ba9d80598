import Foundation

/// One calendar month of the account (only the days inside the analysed span).
public struct MonthlyPoint: Codable, Sendable, Equatable {
    /// `YYYY-MM` in the analysis time zone.
    public var month: String
    /// The month's time-weighted return, `Π(1 + daily gain) − 1`; nil if any day is undefined.
    public var gain: Double?
    public var netProfit: Double
    public var cashFlow: Double
    public var trades: Int

    /// Creates a monthly point.
    public init(month: String, gain: Double?, netProfit: Double, cashFlow: Double, trades: Int) {
        self.month = month
        self.gain = gain
        self.netProfit = netProfit
        self.cashFlow = cashFlow
        self.trades = trades
    }

    enum CodingKeys: String, CodingKey {
        case month, gain
        case netProfit = "net_profit"
        case cashFlow = "cash_flow"
        case trades
    }
}
