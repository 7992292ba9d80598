import Foundation

/// Buy or sell: the direction of a trade or position, encoded as `"buy"` / `"sell"`.
public enum TradeDirection: String, Codable, Sendable, CaseIterable {
    case buy
    case sell

    /// The other direction.
    public var opposite: TradeDirection { self == .buy ? .sell : .buy }
}
