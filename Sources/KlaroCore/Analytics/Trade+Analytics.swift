import Foundation

extension Trade {
    /// The trade's result in account currency: `profit + swap + commission + fee`.
    var analyticsNetProfit: Double { profit + swap + commission + fee }

    /// Close time in milliseconds, for ordering (`time_close_msc`, else `time_close · 1000`).
    var analyticsCloseMsc: Int64 {
        if let timeCloseMsc, timeCloseMsc != 0 { return timeCloseMsc }
        return (timeClose ?? time) &* 1000
    }

    /// Open-to-close length in seconds (millisecond precision), never negative.
    var analyticsDurationSeconds: Double {
        let openMsc = timeMsc != 0 ? timeMsc : time &* 1000
        return max(0, Double(analyticsCloseMsc &- openMsc) / 1000)
    }

    /// True when the trade takes part in analytics: closed, with a close time in `range`, and
    /// finite money and volume.
    func isAnalysable(in range: AnalyticsRange) -> Bool {
        guard isClosed, let timeClose, range.contains(timeClose) else { return false }
        return analyticsNetProfit.isFinite && volume.isFinite
    }
}
