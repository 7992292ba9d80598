import Foundation

/// A value at a time: a curve point or a cash flow, in broker wall-clock epoch seconds.
struct TimedValue: Sendable, Equatable {
    var time: Int64
    var value: Double
}

/// Finds the largest drawdowns of a curve in one pass (``DrawdownReport`` defines them).
enum DrawdownCalculator {
    /// Falls smaller than this many money units or this fraction are floating-point dust.
    static let amountTolerance = 1e-9
    static let percentTolerance = 1e-12

    /// The drawdowns of `points` (sorted by time) given the external `flows` (sorted by time)
    /// that moved the curve; nil without points.
    ///
    /// A flow at time `τ` belongs to the sub-period `(t[i−1], t[i]]` and is taken as made at
    /// its start: `I[i] = I[i−1] · V[i] ÷ (V[i−1] + F[i])`. A sub-period whose start value plus
    /// flows is not positive has no defined return and leaves the index unchanged.
    static func report(points: [TimedValue], flows: [TimedValue]) -> DrawdownReport? {
        guard let first = points.first else { return nil }
        var nextFlow = 0
        var cumulativeFlows = 0.0
        while nextFlow < flows.count, flows[nextFlow].time <= first.time {
            cumulativeFlows += flows[nextFlow].value
            nextFlow += 1
        }
        var index = 1.0
        var current = Peak(point: first, adjusted: first.value - cumulativeFlows, index: index, position: 0)
        // Kept for finding recoveries after the pass.
        var adjustedValues = [current.adjusted], indexes = [index]
        var amountPeak = current
        var percentPeak = current
        var byAmount: DrawdownEpisode?
        var byPercent: DrawdownEpisode?
        var amountWindow: (Int, Int)?, percentWindow: (Int, Int)?
        var previousValue = first.value

        for point in points.dropFirst() {
            var periodFlows = 0.0
            while nextFlow < flows.count, flows[nextFlow].time <= point.time {
                periodFlows += flows[nextFlow].value
                nextFlow += 1
            }
            cumulativeFlows += periodFlows
            let base = previousValue + periodFlows
            if base > 0 { index *= point.value / base }
            previousValue = point.value
            current = Peak(point: point, adjusted: point.value - cumulativeFlows, index: index, position: indexes.count)
            adjustedValues.append(current.adjusted)
            indexes.append(index)

            if current.adjusted >= amountPeak.adjusted - amountTolerance {
                if current.adjusted >= amountPeak.adjusted { amountPeak = current }
            } else {
                let episode = Self.episode(from: amountPeak, to: current)
                if episode.amount > (byAmount?.amount ?? 0) {
                    byAmount = episode
                    amountWindow = (amountPeak.position, current.position)
                }
            }
            let fall = 1 - current.index / percentPeak.index
            if current.index >= percentPeak.index {
                percentPeak = current
            } else if fall > percentTolerance, fall > (byPercent?.percent ?? 0) {
                byPercent = Self.episode(from: percentPeak, to: current)
                percentWindow = (percentPeak.position, current.position)
            }
        }
        // Recovered: the first point after the trough back at the peak's level (flow-adjusted
        // money for the amount window, the index for the percent window).
        if let (peak, trough) = amountWindow {
            byAmount?.recoveryTime = (trough..<points.count).first { adjustedValues[$0] >= adjustedValues[peak] }
                .map { points[$0].time }
        }
        if let (peak, trough) = percentWindow {
            byPercent?.recoveryTime = (trough..<points.count).first { indexes[$0] >= indexes[peak] }.map { points[$0].time }
        }
        return DrawdownReport(
            maxAmount: byAmount?.amount ?? 0, maxPercent: byPercent?.percent ?? 0,
            byAmount: byAmount, byPercent: byPercent, points: points.count
        )
    }

    private static func episode(from peak: Peak, to trough: Peak) -> DrawdownEpisode {
        DrawdownEpisode(
            peakTime: peak.point.time, troughTime: trough.point.time,
            peakValue: peak.point.value, troughValue: trough.point.value,
            amount: peak.adjusted - trough.adjusted,
            percent: peak.index > 0 ? 1 - trough.index / peak.index : nil
        )
    }

    /// A curve point with its flow-adjusted value and index.
    private struct Peak {
        var point: TimedValue
        var adjusted: Double
        var index: Double
        /// Where the point is in the curve.
        var position: Int
    }
}
