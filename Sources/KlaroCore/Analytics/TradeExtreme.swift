import Foundation

/// The trade behind a best- or worst-trade figure.
public struct TradeExtreme: Codable, Sendable, Equatable {
    /// The trade's ticket (its position id).
    public var ticket: Int64
    public var symbol: String
    /// `profit + swap + commission + fee`.
    public var netProfit: Double
    /// Broker wall-clock epoch seconds.
    public var timeClose: Int64

    /// Creates a trade reference.
    public init(ticket: Int64, symbol: String, netProfit: Double, timeClose: Int64) {
        self.ticket = ticket
        self.symbol = symbol
        self.netProfit = netProfit
        self.timeClose = timeClose
    }

    enum CodingKeys: String, CodingKey {
        case ticket, symbol
        case netProfit = "net_profit"
        case timeClose = "time_close"
    }
}
