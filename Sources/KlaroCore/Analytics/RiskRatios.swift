import Foundation

/// Sharpe and Sortino ratios of daily returns.
///
/// Conventions: daily time-weighted returns over every calendar day of the span (days without
/// results count as 0), risk-free rate 0, annualised by √365 because the series has 365
/// observations a year (calendar days, not trading days: brokers differ in trading days and
/// some trade weekends, and calendar days need no holiday calendar).
enum RiskRatios {
    static let periodsPerYear = 365.0

    /// `mean(r) ÷ s(r) · √365`, with `s` the sample standard deviation (n − 1); nil with fewer
    /// than 2 days, any undefined day, or no variation.
    static func sharpe(_ returns: [Double?]) -> Double? {
        guard returns.count >= 2, let values = definedValues(returns) else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
        let deviation = (squares / Double(values.count - 1)).squareRoot()
        return annualised(mean, over: deviation)
    }

    /// `mean(r) ÷ DD · √365`, with the downside deviation `DD = √(Σ min(0, r)² ÷ n)` over all
    /// days (target 0); nil with fewer than 2 days, any undefined day, or no losing day.
    static func sortino(_ returns: [Double?]) -> Double? {
        guard returns.count >= 2, let values = definedValues(returns) else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        let downside = values.reduce(0) { $0 + min(0, $1) * min(0, $1) }
        let deviation = (downside / Double(values.count)).squareRoot()
        return annualised(mean, over: deviation)
    }

    private static func definedValues(_ returns: [Double?]) -> [Double]? {
        var values: [Double] = []
        values.reserveCapacity(returns.count)
        for value in returns {
            guard let value else { return nil }
            values.append(value)
        }
        return values
    }

    private static func annualised(_ mean: Double, over deviation: Double) -> Double? {
        guard deviation > 1e-15 else { return nil }
        let ratio = mean / deviation * periodsPerYear.squareRoot()
        return ratio.isFinite ? ratio : nil
    }
}
