import Foundation

/// A trade rebuilt from the deals of one MT5 position (DESIGN §8), without its account.
///
/// One trade per non-zero `position_id`; its ticket is the position id. Times are the deals'
/// broker wall-clock epoch seconds (`time`) and milliseconds (`*Msc`), unconverted. JSON keys
/// follow the `trades` table (`ticket` is the position id).
public struct Trade: Codable, Sendable, Equatable {
    /// The position id, which is the trade's ticket.
    public var positionID: Int64
    public var symbol: String
    /// The direction of the first opening deal.
    public var type: TradeDirection
    /// The volume opened over the position's life, in lots (the reversed part of an `inout`
    /// deal included).
    public var volume: Double
    /// Volume-weighted price of the opening deals (or opening parts of `inout` deals).
    public var priceOpen: Double
    /// Volume-weighted price of the closing deals (or closing parts); 0 when nothing closed.
    public var priceClose: Double
    /// Sums over every deal of the position.
    public var profit: Double
    public var swap: Double
    public var commission: Double
    public var fee: Double
    /// Magic number and comment of the first opening deal.
    public var magic: Int64
    public var comment: String
    /// `time` and `time_msc` of the first opening deal.
    public var time: Int64
    public var timeMsc: Int64
    /// `time` and `time_msc` of the last closing deal; nil while nothing has closed.
    public var timeClose: Int64?
    public var timeCloseMsc: Int64?
    /// True when the closed volume equals the opened volume (to 1e-8 lots).
    public var isClosed: Bool
    /// The volume closed so far, in lots.
    public var closedVolume: Double
    /// How many trading deals the position has.
    public var dealCount: Int

    /// Creates a trade field by field.
    public init(
        positionID: Int64, symbol: String, type: TradeDirection, volume: Double,
        priceOpen: Double, priceClose: Double, profit: Double, swap: Double,
        commission: Double, fee: Double, magic: Int64, comment: String,
        time: Int64, timeMsc: Int64, timeClose: Int64?, timeCloseMsc: Int64?,
        isClosed: Bool, closedVolume: Double, dealCount: Int
    ) {
        self.positionID = positionID
        self.symbol = symbol
        self.type = type
        self.volume = volume
        self.priceOpen = priceOpen
        self.priceClose = priceClose
        self.profit = profit
        self.swap = swap
        self.commission = commission
        self.fee = fee
        self.magic = magic
        self.comment = comment
        self.time = time
        self.timeMsc = timeMsc
        self.timeClose = timeClose
        self.timeCloseMsc = timeCloseMsc
        self.isClosed = isClosed
        self.closedVolume = closedVolume
        self.dealCount = dealCount
    }

    /// The volume still open, in lots.
    public var openVolume: Double { TradeBuilder.roundedLots(volume - closedVolume) }

    enum CodingKeys: String, CodingKey {
        case positionID = "ticket"
        case symbol, type, volume
        case priceOpen = "price_open"
        case priceClose = "price_close"
        case profit, swap, commission, fee, magic, comment, time
        case timeMsc = "time_msc"
        case timeClose = "time_close"
        case timeCloseMsc = "time_close_msc"
        case isClosed = "is_closed"
        case closedVolume = "closed_volume"
        case dealCount = "deal_count"
    }
}
