import Foundation

/// One open position, MT5's `TradePosition` (`TradePosition._asdict()`).
///
/// JSON keys are MT5's field names, declared in MT5's order (JSON objects are unordered,
/// and Foundation's encoder on Linux does not keep the order). MT5's `ulong` ids are `Int64`
/// here, as in PostgreSQL's `bigint`; a larger value fails to decode. Times are the broker's
/// wall clock written as epoch seconds (`time`, `time_update`) and milliseconds (`*_msc`),
/// kept as sent.
public struct TradePosition: Codable, Sendable, Equatable {
    public var ticket: Int64
    public var time: Int64
    public var timeMsc: Int64
    public var timeUpdate: Int64
    public var timeUpdateMsc: Int64
    /// 0 buy, 1 sell (MT5's `ENUM_POSITION_TYPE`).
    public var type: PositionType
    public var magic: Int64
    /// The position id; deals of this position carry it as `position_id`.
    public var identifier: Int64
    public var reason: Int
    public var volume: Double
    public var priceOpen: Double
    public var sl: Double
    public var tp: Double
    public var priceCurrent: Double
    public var swap: Double
    public var profit: Double
    public var symbol: String
    public var comment: String
    public var externalID: String

    /// Creates a position record field by field.
    public init(
        ticket: Int64, time: Int64, timeMsc: Int64, timeUpdate: Int64, timeUpdateMsc: Int64,
        type: PositionType, magic: Int64, identifier: Int64, reason: Int, volume: Double,
        priceOpen: Double, sl: Double, tp: Double, priceCurrent: Double, swap: Double,
        profit: Double, symbol: String, comment: String, externalID: String
    ) {
        self.ticket = ticket
        self.time = time
        self.timeMsc = timeMsc
        self.timeUpdate = timeUpdate
        self.timeUpdateMsc = timeUpdateMsc
        self.type = type
        self.magic = magic
        self.identifier = identifier
        self.reason = reason
        self.volume = volume
        self.priceOpen = priceOpen
        self.sl = sl
        self.tp = tp
        self.priceCurrent = priceCurrent
        self.swap = swap
        self.profit = profit
        self.symbol = symbol
        self.comment = comment
        self.externalID = externalID
    }

    enum CodingKeys: String, CodingKey {
        case ticket, time
        case timeMsc = "time_msc"
        case timeUpdate = "time_update"
        case timeUpdateMsc = "time_update_msc"
        case type, magic, identifier, reason, volume
        case priceOpen = "price_open"
        case sl, tp
        case priceCurrent = "price_current"
        case swap, profit, symbol, comment
        case externalID = "external_id"
    }
}
