import Foundation

/// What a worker reports of a symbol it saw (MT5's `symbol_info(symbol)`): its price digits
/// and point, for rounding rebuilt prices and counting pips (protocol field `symbols`).
public struct SymbolSpec: Codable, Sendable, Equatable {
    public var symbol: String
    /// Decimals of a price (`digits`), 0…10.
    public var digits: Int
    /// The smallest price step (`point`), 10^−digits for most symbols.
    public var point: Double

    /// Creates a symbol's spec.
    public init(symbol: String, digits: Int, point: Double) {
        self.symbol = symbol
        self.digits = digits
        self.point = point
    }

    /// A pip: 10 points on 3- and 5-digit symbols (fractional pips), else one point.
    public var pipSize: Double { digits == 3 || digits == 5 ? point * 10 : point }

    /// True when the values are usable (digits 0…10, a positive finite point).
    public var isValid: Bool { (0...PriceRounding.maxDigits).contains(digits) && point.isFinite && point > 0 && !symbol.isEmpty }
}
