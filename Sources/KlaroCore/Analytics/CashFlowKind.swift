import Foundation

/// What a non-trading balance operation is, and whether it is external money (a cash flow that
/// performance must be neutral to) or part of the account's result.
///
/// External (not performance): `deposit` and `withdrawal` (MT5 deal type 2, split by sign),
/// `credit` (3), `bonus` (6) and `correction` (5): money the broker or the trader moves in or
/// out, not earned by trading. Everything else (`charge` 4, commissions 7–11, `interest` 12,
/// dividends 15–16, `tax` 17 and unknown types) is a cost or income of holding the account and
/// counts in net profit. `credit` is the only kind that does not move the balance: MT5 keeps it
/// apart and adds it to equity.
public enum CashFlowKind: String, Codable, Sendable, CaseIterable {
    case deposit
    case withdrawal
    case credit
    case bonus
    case correction
    case charge
    case commission
    case interest
    case dividend
    case tax
    /// A deal type this code does not know; treated as performance.
    case other

    /// True for money moved in or out of the account from outside (gain is neutral to it).
    public var isExternal: Bool {
        switch self {
        case .deposit, .withdrawal, .credit, .bonus, .correction: true
        case .charge, .commission, .interest, .dividend, .tax, .other: false
        }
    }

    /// False only for `credit`, which MT5 books outside the balance (but inside equity).
    public var movesBalance: Bool { self != .credit }

    /// The kind of an MT5 deal type; nil for trading deals (`buy`, `sell`) and cancelled ones
    /// (13, 14), which are not balance operations.
    /// - Parameters:
    ///   - dealType: the deal's MT5 type.
    ///   - amount: the deal's signed amount, which splits type 2 into deposit and withdrawal.
    public init?(dealType: DealType, amount: Double) {
        switch dealType {
        case .buy, .sell, .buyCanceled, .sellCanceled: return nil
        case .balance: self = amount < 0 ? .withdrawal : .deposit
        case .credit: self = .credit
        case .bonus: self = .bonus
        case .correction: self = .correction
        case .charge: self = .charge
        case .commission, .commissionDaily, .commissionMonthly, .commissionAgentDaily,
            .commissionAgentMonthly:
            self = .commission
        case .interest: self = .interest
        case .dividend, .dividendFranked: self = .dividend
        case .tax: self = .tax
        case .unknown: self = .other
        }
    }
}
