import Foundation

/// MT5's `ENUM_POSITION_TYPE`, encoded as its integer value.
public enum PositionType: Int, Codable, Sendable, CaseIterable {
    case buy = 0
    case sell = 1

    /// The direction of a position of this type.
    public var direction: TradeDirection { self == .buy ? .buy : .sell }
}
