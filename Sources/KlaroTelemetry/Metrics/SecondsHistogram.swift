import Prometheus

/// A histogram of durations in seconds (the Prometheus base unit).
public struct SecondsHistogram: Sendable {
    let histogram: ValueHistogram

    /// Records a duration given in seconds.
    public func record(seconds: Double) {
        histogram.record(seconds)
    }

    /// Records a `Duration`, e.g. the difference of two `ContinuousClock` instants.
    public func record(_ duration: Duration) {
        let parts = duration.components
        histogram.record(Double(parts.seconds) + Double(parts.attoseconds) / 1e18)
    }
}
