import Foundation

/// The trade statistics of one group of a breakdown: a symbol, a magic number (EA), an hour
/// of day or a weekday. Encoded as `{"key": …, "stats": {…}}`.
public struct TradeGroup<Key: Codable & Sendable & Hashable>: Codable, Sendable {
    public var key: Key
    public var stats: TradeStats

    /// Creates a group.
    public init(key: Key, stats: TradeStats) {
        self.key = key
        self.stats = stats
    }
}

extension TradeGroup: Equatable {}
