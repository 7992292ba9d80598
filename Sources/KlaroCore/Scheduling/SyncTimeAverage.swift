/// An account's typical sync time (login + fetch), kept as an exponential moving average in
/// `account_schedule.avg_sync_ms`: the sync policy sizes slot demand with it. Recent syncs
/// weigh most, and one slow sync moves the average by a fifth of its excess, not all of it.
public enum SyncTimeAverage {
    /// The weight of a new sample: with 0.2 a sync time's influence halves in about 3 syncs.
    public static let weight = 0.2

    /// The average after `sample` ms (nil: the sync measured none, the average stays);
    /// the first sample starts the average. Negative samples (clock steps) count as 0. In
    /// whole ms a step below 1 would round to nothing and stall short of a steady sample, so
    /// the average then moves by 1 ms towards it.
    public static func next(previous: Int?, sample: Int?) -> Int? {
        guard let measured = sample else { return previous }
        let sample = max(0, measured)
        guard let previous else { return sample }
        let step = Int((weight * Double(sample - previous)).rounded())
        return previous + (step != 0 ? step : (sample - previous).signum())
    }
}
