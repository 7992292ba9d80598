import Foundation

/// Measures of the daily returns and the rebuilt balance of a report (docs/analytics.md,
/// "Return measures"): what Myfxbook and MetaApi MetaStats list beside gain and drawdown.
public struct ReturnMeasures: Codable, Sendable, Equatable {
    /// Sample standard deviation (n − 1) of the daily gains × √365.
    public var volatility: Double?
    /// Compound annual growth: `(1 + gain)^(365 ÷ days) − 1` over the span's calendar days.
    public var cagr: Double?
    /// The deepest fall of the daily growth index `Π(1 + r)` (starting at 1) from its running
    /// peak, as a fraction: empyrical's `max_drawdown` of the daily gains.
    public var dailyMaxDrawdown: Double?
    /// `cagr ÷ dailyMaxDrawdown` (Calmar, or MAR over the whole history); nil without a fall.
    public var calmarRatio: Double?
    /// The balance rebuilt from the window's starting balance, trades and operations (deals,
    /// not snapshots): its drawdowns.
    public var balanceCurveDrawdown: DrawdownReport?
    /// `netProfit ÷ balanceCurveDrawdown.maxAmount`; nil without a fall.
    public var recoveryFactor: Double?
    /// Holding-period returns of the trades, `HPRᵢ = 1 + netᵢ ÷ Bᵢ` on the balance just
    /// before each: arithmetic mean − 1 (AHPR) and geometric mean − 1 (GHPR); nil when a
    /// trade closed on a non-positive balance (GHPR also when a trade lost all of it).
    public var ahpr: Double?
    public var ghpr: Double?

    enum CodingKeys: String, CodingKey {
        case volatility, cagr
        case dailyMaxDrawdown = "daily_max_drawdown"
        case calmarRatio = "calmar_ratio"
        case balanceCurveDrawdown = "balance_curve_drawdown"
        case recoveryFactor = "recovery_factor"
        case ahpr, ghpr
    }

    /// The measures of a report's daily gains, net profit and rebuilt balance.
    static func of(dailyGains: [Double?], gain: Double?, netProfit: Double, curve: BalanceCurve, hpr: HoldingPeriodReturns) -> ReturnMeasures {
        let defined = dailyGains.allSatisfy { $0 != nil } ? dailyGains.compactMap { $0 } : nil
        var measures = ReturnMeasures()
        if let values = defined, values.count >= 2 {
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
            measures.volatility = finite(variance.squareRoot() * RiskRatios.periodsPerYear.squareRoot())
        }
        if let gain, !dailyGains.isEmpty, 1 + gain > 0 {
            measures.cagr = finite(pow(1 + gain, RiskRatios.periodsPerYear / Double(dailyGains.count)) - 1)
        }
        if let values = defined, !values.isEmpty {
            var index = 1.0, peak = 1.0, deepest = 0.0
            for value in values {
                index *= 1 + value
                peak = max(peak, index)
                if peak > 0 { deepest = max(deepest, 1 - index / peak) }
            }
            measures.dailyMaxDrawdown = deepest
            if deepest > 1e-12, let cagr = measures.cagr { measures.calmarRatio = finite(cagr / deepest) }
        }
        measures.balanceCurveDrawdown = curve.drawdown()
        if let amount = measures.balanceCurveDrawdown?.maxAmount, amount > DrawdownCalculator.amountTolerance {
            measures.recoveryFactor = finite(netProfit / amount)
        }
        measures.ahpr = hpr.arithmetic
        measures.ghpr = hpr.geometric
        return measures
    }

    private static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }
}

/// Running holding-period returns of trades (AHPR and GHPR).
struct HoldingPeriodReturns: Sendable {
    private var count = 0
    private var sum = 0.0
    private var logSum = 0.0
    private var arithmeticDefined = true
    private var geometricDefined = true

    /// Adds a trade's result on the balance just before it.
    mutating func add(result: Double, balance: Double) {
        count += 1
        guard balance > 0 else {
            arithmeticDefined = false
            geometricDefined = false
            return
        }
        let hpr = 1 + result / balance
        sum += hpr
        if hpr > 0 { logSum += log(hpr) } else { geometricDefined = false }
    }

    var arithmetic: Double? { finite(count > 0 && arithmeticDefined ? sum / Double(count) - 1 : nil) }
    var geometric: Double? { finite(count > 0 && geometricDefined ? exp(logSum / Double(count)) - 1 : nil) }

    private func finite(_ value: Double?) -> Double? { value.flatMap { $0.isFinite ? $0 : nil } }
}
