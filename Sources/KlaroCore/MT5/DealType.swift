import Foundation

/// MT5's `ENUM_DEAL_TYPE`, encoded as its integer value.
///
/// A value MT5 may add later decodes as ``unknown(_:)`` and keeps its number, so a new deal
/// type never makes a whole result unreadable; such deals are not trading deals.
public enum DealType: Sendable, Hashable {
    case buy
    case sell
    case balance
    case credit
    case charge
    case correction
    case bonus
    case commission
    case commissionDaily
    case commissionMonthly
    case commissionAgentDaily
    case commissionAgentMonthly
    case interest
    case buyCanceled
    case sellCanceled
    case dividend
    case dividendFranked
    case tax
    /// A type this code does not know, with MT5's number.
    case unknown(Int)

    /// True only for `buy` and `sell`: the deals that open, change or close positions.
    public var isTrading: Bool {
        switch self {
        case .buy, .sell: true
        default: false
        }
    }

    /// The trade direction of a `buy` or `sell` deal; nil for every other type.
    public var direction: TradeDirection? {
        switch self {
        case .buy: .buy
        case .sell: .sell
        default: nil
        }
    }

    private static let known: [DealType] = [
        .buy, .sell, .balance, .credit, .charge, .correction, .bonus, .commission,
        .commissionDaily, .commissionMonthly, .commissionAgentDaily, .commissionAgentMonthly,
        .interest, .buyCanceled, .sellCanceled, .dividend, .dividendFranked, .tax,
    ]
}

extension DealType: RawRepresentable, Codable {
    /// Maps MT5's number to a case; numbers outside 0…17 become ``unknown(_:)``.
    public init(rawValue: Int) {
        if (0..<Self.known.count).contains(rawValue) {
            self = Self.known[rawValue]
        } else {
            self = .unknown(rawValue)
        }
    }

    /// MT5's number for this type.
    public var rawValue: Int {
        switch self {
        case .buy: 0
        case .sell: 1
        case .balance: 2
        case .credit: 3
        case .charge: 4
        case .correction: 5
        case .bonus: 6
        case .commission: 7
        case .commissionDaily: 8
        case .commissionMonthly: 9
        case .commissionAgentDaily: 10
        case .commissionAgentMonthly: 11
        case .interest: 12
        case .buyCanceled: 13
        case .sellCanceled: 14
        case .dividend: 15
        case .dividendFranked: 16
        case .tax: 17
        case .unknown(let value): value
        }
    }

    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(Int.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Types are equal when MT5's numbers are: `unknown(2)` equals `balance`.
    public static func == (a: DealType, b: DealType) -> Bool { a.rawValue == b.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
}
