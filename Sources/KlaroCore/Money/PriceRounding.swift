import Foundation

/// Rounds prices to a symbol's digits (MT5's `symbol_info(symbol).digits`), so a
/// volume-weighted price rebuilt from deals at 1.27805 and 1.27827 is stored as `1.27816`,
/// not `1.2781599999999999`.
public enum PriceRounding {
    /// The most digits a price keeps (MT5 symbols have at most 8; this leaves room).
    public static let maxDigits = 10
    /// Digits for a symbol whose `digits` are unknown: enough for any MT5 price, few enough to
    /// drop binary noise (1.2781599999999998 → 1.27816).
    public static let fallbackDigits = 8

    /// `price` rounded to `digits` decimals: the double nearest that decimal.
    public static func round(_ price: Double, digits: Int) -> Double {
        guard price.isFinite else { return price }
        let digits = min(max(0, digits), maxDigits)
        let scale = pow(10, Double(digits))
        // Both operands are exact integers below 2^53 for real prices, so the division rounds
        // correctly to the double nearest the decimal.
        let scaled = (price * scale).rounded()
        guard abs(scaled) < 9e15 else { return price }
        return scaled / scale
    }

    /// The decimals a price is written with (the fewest that give back the same double), at
    /// most ``maxDigits`` (1.19000 is written 1.19: trailing zeros make this a lower bound of
    /// the symbol's digits, never the digits themselves).
    public static func decimals(of price: Double) -> Int {
        guard price.isFinite else { return 0 }
        for digits in 0..<maxDigits where round(price, digits: digits) == price {
            return digits
        }
        return maxDigits
    }
}
