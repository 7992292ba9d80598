import Foundation

/// The largest drawdowns of one curve (snapshot balances or equities), neutral to external
/// cash flows: a withdrawal is not a loss and a deposit is not a recovery.
///
/// With `V` the curve, `C(t)` the external flows up to `t` and `I` the curve's flow-neutral
/// index (chained sub-period returns between snapshots, flows at the start of a sub-period):
/// - amount over a window `p ≤ t`: `(V(p) − C(p)) − (V(t) − C(t))`, the money lost;
/// - percent over a window: `1 − I(t) ÷ I(p)`, the fall relative to the peak, unchanged by
///   the size of deposits and withdrawals.
///
/// The peak of a trough is the last time before it that the running maximum was reached.
public struct DrawdownReport: Codable, Sendable, Equatable {
    /// The largest amount over all windows (0 when the curve never fell).
    public var maxAmount: Double
    /// The largest percent over all windows, as a fraction (0 when the curve never fell).
    public var maxPercent: Double
    /// The window of `maxAmount`; nil when the curve never fell.
    public var byAmount: DrawdownEpisode?
    /// The window of `maxPercent`; nil when the curve never fell.
    public var byPercent: DrawdownEpisode?
    /// How many snapshots the curve had.
    public var points: Int

    /// Creates a report.
    public init(
        maxAmount: Double, maxPercent: Double, byAmount: DrawdownEpisode?,
        byPercent: DrawdownEpisode?, points: Int
    ) {
        self.maxAmount = maxAmount
        self.maxPercent = maxPercent
        self.byAmount = byAmount
        self.byPercent = byPercent
        self.points = points
    }

    enum CodingKeys: String, CodingKey {
        case maxAmount = "max_amount"
        case maxPercent = "max_percent"
        case byAmount = "by_amount"
        case byPercent = "by_percent"
        case points
    }
}
