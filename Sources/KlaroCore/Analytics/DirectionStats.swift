import Foundation

/// Counts and result of the trades of one direction (long = buy, short = sell).
public struct DirectionStats: Codable, Sendable, Equatable {
    public var count: Int
    public var wins: Int
    public var losses: Int
    /// `wins ÷ count`; nil without trades.
    public var winRate: Double?
    public var netProfit: Double

    /// Creates direction statistics.
    public init(count: Int, wins: Int, losses: Int, winRate: Double?, netProfit: Double) {
        self.count = count
        self.wins = wins
        self.losses = losses
        self.winRate = winRate
        self.netProfit = netProfit
    }

    enum CodingKeys: String, CodingKey {
        case count, wins, losses
        case winRate = "win_rate"
        case netProfit = "net_profit"
    }
}
