import Foundation

/// A half-open span `[from, to)` of broker wall-clock epoch seconds; nil ends are unbounded.
///
/// A trade belongs to the range when it closed inside it; a cash flow or snapshot when its time
/// is inside it.
public struct AnalyticsRange: Codable, Sendable, Equatable {
    /// First second included; nil for no lower bound.
    public var from: Int64?
    /// First second excluded; nil for no upper bound.
    public var to: Int64?

    /// Everything.
    public static let all = AnalyticsRange()

    /// Creates a range `[from, to)`.
    public init(from: Int64? = nil, to: Int64? = nil) {
        self.from = from
        self.to = to
    }

    /// True when `time` lies in `[from, to)` and in the window analytics accepts
    /// (``AnalyticsRange/saneTimes``).
    public func contains(_ time: Int64) -> Bool {
        guard Self.saneTimes.contains(time) else { return false }
        if let from, time < from { return false }
        if let to, time >= to { return false }
        return true
    }

    /// Times analytics accepts: 1970-01-01 to 2199-12-31. Anything else is a corrupt record
    /// and is ignored, which also keeps day arithmetic far from overflow.
    public static let saneTimes: Range<Int64> = 0..<7_258_118_400
}
