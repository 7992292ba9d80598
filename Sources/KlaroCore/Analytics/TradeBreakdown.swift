import Foundation

/// Closed trades split four ways, each group with the full ``TradeStats``.
///
/// Hours and weekdays are those of the close time in the analysis time zone. `byHour` always
/// has 24 groups (keys 0…23) and `byWeekday` 7 (ISO keys: 1 Monday … 7 Sunday), empty ones
/// included, so charts get fixed axes; `bySymbol` and `byMagic` hold only keys that occur,
/// sorted by key. Every split covers every trade once, so its counts and net profits add up
/// to the totals.
public struct TradeBreakdown: Codable, Sendable, Equatable {
    public var bySymbol: [TradeGroup<String>]
    /// By magic number: the expert advisor that opened the trade (0 for manual trades).
    public var byMagic: [TradeGroup<Int64>]
    public var byHour: [TradeGroup<Int>]
    public var byWeekday: [TradeGroup<Int>]

    /// Creates a breakdown.
    public init(
        bySymbol: [TradeGroup<String>], byMagic: [TradeGroup<Int64>],
        byHour: [TradeGroup<Int>], byWeekday: [TradeGroup<Int>]
    ) {
        self.bySymbol = bySymbol
        self.byMagic = byMagic
        self.byHour = byHour
        self.byWeekday = byWeekday
    }

    enum CodingKeys: String, CodingKey {
        case bySymbol = "by_symbol"
        case byMagic = "by_magic"
        case byHour = "by_hour"
        case byWeekday = "by_weekday"
    }
}
