import Foundation

/// An exact sum of money amounts that arrive as doubles (MT5 sends `profit`, `swap`,
/// `commission` and `fee` as doubles; PostgreSQL stores them as `numeric`).
///
/// Each amount is taken as the decimal it stands for, to 1e-8 (the double `-31.87` is the
/// decimal −31.87), and summed as an integer count of 1e-8 units, so `-31.87 + -26.64` is
/// `-58.51` (binary addition gives `-58.510000000000005`) and the stored sum equals
/// PostgreSQL's `sum()` of the stored deals. Amounts of 90 billion or more, or a sum that
/// overflows, fall back to binary addition rather than trap.
public struct MoneySum: Sendable, Equatable {
    /// Units per currency unit: amounts are exact to 1e-8.
    public static let unitsPerMoney = 100_000_000.0
    private static let largestExact = 9e10

    private var units: Int64 = 0
    private var isExact = true
    private var binary = 0.0

    /// A sum of nothing.
    public init() {}

    /// The sum of `amounts`.
    public init<S: Sequence>(_ amounts: S) where S.Element == Double {
        for amount in amounts { add(amount) }
    }

    /// Adds one amount.
    public mutating func add(_ amount: Double) {
        binary += amount
        guard isExact else { return }
        guard amount.isFinite, abs(amount) < Self.largestExact else {
            isExact = false
            return
        }
        let (sum, overflow) = units.addingReportingOverflow(Int64((amount * Self.unitsPerMoney).rounded()))
        if overflow { isExact = false } else { units = sum }
    }

    /// The sum as the double nearest the exact decimal (so its shortest digits are the decimal's).
    public var value: Double {
        guard isExact else { return binary }
        // Below 2^53 both operands are exact and IEEE division rounds correctly.
        if units.magnitude < (1 << 53) { return Double(units) / Self.unitsPerMoney }
        let whole = units / 100_000_000, fraction = (units % 100_000_000).magnitude
        let sign = units < 0 && whole == 0 ? "-" : ""
        let digits = String(fraction)
        return Double("\(sign)\(whole).\(String(repeating: "0", count: 8 - digits.count))\(digits)") ?? binary
    }
}
