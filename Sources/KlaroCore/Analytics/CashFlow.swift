import Foundation

/// A non-trading balance operation: a deposit, withdrawal, credit, charge, interest… (MT5 deals
/// of every type but buy and sell).
///
/// Times are the broker's wall clock written as epoch seconds, like deal times. Whether the
/// operation is external money or performance is its ``kind``'s business (``CashFlowKind``).
public struct CashFlow: Codable, Sendable, Equatable {
    /// Broker wall-clock epoch seconds.
    public var time: Int64
    /// The same instant in milliseconds (orders events within a second).
    public var timeMsc: Int64
    /// Signed amount in the account currency: positive adds money.
    public var amount: Double
    public var kind: CashFlowKind

    /// Creates a cash flow.
    /// - Parameters:
    ///   - time: broker wall-clock epoch seconds.
    ///   - timeMsc: the same in milliseconds; `time · 1000` when nil.
    ///   - amount: signed amount, positive adds money.
    ///   - kind: what the operation is.
    public init(time: Int64, timeMsc: Int64? = nil, amount: Double, kind: CashFlowKind) {
        self.time = time
        self.timeMsc = timeMsc ?? time &* 1000
        self.amount = amount
        self.kind = kind
    }

    /// The cash flow of a non-trading deal; nil for buy, sell and cancelled deals.
    ///
    /// The amount is `profit + commission + swap + fee` (MT5 books a balance operation's money
    /// in `profit`; commission deals may use `commission`).
    public init?(deal: TradeDeal) {
        let amount = deal.profit + deal.commission + deal.swap + deal.fee
        guard let kind = CashFlowKind(dealType: deal.type, amount: amount) else { return nil }
        self.init(time: deal.time, timeMsc: deal.timeMsc != 0 ? deal.timeMsc : nil, amount: amount, kind: kind)
    }

    enum CodingKeys: String, CodingKey {
        case time
        case timeMsc = "time_msc"
        case amount, kind
    }
}
