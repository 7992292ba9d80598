import Foundation

/// One deal of the account's history, MT5's `TradeDeal` (`TradeDeal._asdict()`).
///
/// JSON keys are MT5's field names, declared in MT5's order (JSON objects are unordered,
/// and Foundation's encoder on Linux does not keep the order). MT5's `ulong` ids are `Int64`
/// here, as in PostgreSQL's `bigint`; a larger value fails to decode. `time` is the broker's
/// wall clock written as epoch seconds and `time_msc` the same in milliseconds, kept as sent. Deal
/// tickets are unique per broker server, not globally.
public struct TradeDeal: Codable, Sendable, Equatable {
    public var ticket: Int64
    public var order: Int64
    public var time: Int64
    public var timeMsc: Int64
    public var type: DealType
    public var entry: DealEntry
    public var magic: Int64
    /// The position this deal belongs to; 0 for non-trading deals (balance, credit, …).
    public var positionID: Int64
    public var reason: Int
    public var volume: Double
    public var price: Double
    public var commission: Double
    public var swap: Double
    public var profit: Double
    public var fee: Double
    public var symbol: String
    public var comment: String
    public var externalID: String

    /// Creates a deal record; the money fields, magic and texts default to zero and empty.
    public init(
        ticket: Int64, order: Int64 = 0, time: Int64, timeMsc: Int64,
        type: DealType, entry: DealEntry, magic: Int64 = 0, positionID: Int64, reason: Int = 0,
        volume: Double, price: Double, commission: Double = 0, swap: Double = 0,
        profit: Double = 0, fee: Double = 0, symbol: String, comment: String = "",
        externalID: String = ""
    ) {
        self.ticket = ticket
        self.order = order
        self.time = time
        self.timeMsc = timeMsc
        self.type = type
        self.entry = entry
        self.magic = magic
        self.positionID = positionID
        self.reason = reason
        self.volume = volume
        self.price = price
        self.commission = commission
        self.swap = swap
        self.profit = profit
        self.fee = fee
        self.symbol = symbol
        self.comment = comment
        self.externalID = externalID
    }

    enum CodingKeys: String, CodingKey {
        case ticket, order, time
        case timeMsc = "time_msc"
        case type, entry, magic
        case positionID = "position_id"
        case reason, volume, price, commission, swap, profit, fee, symbol, comment
        case externalID = "external_id"
    }
}
