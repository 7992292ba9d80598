import Foundation

/// One fall of a balance or equity curve, from a peak to a later trough.
///
/// `amount` and `percent` are both measured over the same window, adjusted for external cash
/// flows between peak and trough (``DrawdownReport`` has the definitions).
public struct DrawdownEpisode: Codable, Sendable, Equatable {
    /// Broker wall-clock epoch seconds of the peak and of the trough.
    public var peakTime: Int64
    public var troughTime: Int64
    /// The curve's raw values there (cash flows not removed).
    public var peakValue: Double
    public var troughValue: Double
    /// Money lost from peak to trough, cash flows in between removed. Over a window picked for
    /// its percentage it can be smaller, even negative, when the capital changed in between.
    public var amount: Double
    /// Fall of the flow-neutral index from peak to trough, as a fraction (0.05 = 5 %); above
    /// 1 when the value went below zero; nil if the index at the peak was not positive.
    public var percent: Double?
    /// The first time after the trough the curve was back at the peak's level (flow-adjusted
    /// money for a window picked by amount, the index for one picked by percent); nil: not
    /// recovered by the end of the curve.
    public var recoveryTime: Int64?

    /// Creates an episode.
    public init(
        peakTime: Int64, troughTime: Int64, peakValue: Double, troughValue: Double,
        amount: Double, percent: Double?, recoveryTime: Int64? = nil
    ) {
        self.recoveryTime = recoveryTime
        self.peakTime = peakTime
        self.troughTime = troughTime
        self.peakValue = peakValue
        self.troughValue = troughValue
        self.amount = amount
        self.percent = percent
    }

    enum CodingKeys: String, CodingKey {
        case peakTime = "peak_time"
        case troughTime = "trough_time"
        case peakValue = "peak_value"
        case troughValue = "trough_value"
        case amount, percent
        case recoveryTime = "recovery_time"
    }
}
