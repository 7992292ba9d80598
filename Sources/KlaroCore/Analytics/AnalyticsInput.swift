import Foundation

/// Everything one account's analytics needs, as loaded from PostgreSQL.
///
/// All times are broker wall-clock epoch seconds (deal times as MT5 sends them); snapshots
/// must be converted to that clock first (``EquitySnapshot``). Records outside ``range`` are
/// ignored, so the caller may pass more than the range.
public struct AnalyticsInput: Sendable {
    /// Trades of the account; only closed ones (``Trade/isClosed``) are analysed, on their
    /// close time.
    public var trades: [Trade]
    /// Non-trading balance operations (``CashFlow/init(deal:)`` builds them from deals).
    public var cashFlows: [CashFlow]
    /// Balance/equity snapshots, in any order.
    public var snapshots: [EquitySnapshot]
    public var range: AnalyticsRange
    /// The zone whose midnights cut days and months. The default, GMT, cuts the broker's own
    /// days, since times are the broker's wall clock written as if they were UTC. Pass another
    /// zone only when the times given are real UTC instants.
    public var timeZone: TimeZone
    /// The balance at the start of the range; nil to infer it (``StartingBalanceSource``).
    public var startingBalance: Double?
    /// The broker's UTC offsets (``BrokerClock/conversionTable(fromBroker:)``): when set, days
    /// are cut at the broker's midnights instead of ``timeZone``'s (times must be UTC).
    public var dayOffsets: [OffsetSegment]?
    /// Digits and point of the symbols, for profit in pips.
    public var symbols: [String: SymbolSpec] = [:]
    /// What a given ``startingBalance`` is reported as (`given`, or `deal_history`).
    public var startingBalanceSource: StartingBalanceSource

    /// Creates an input.
    public init(
        trades: [Trade], cashFlows: [CashFlow] = [], snapshots: [EquitySnapshot] = [],
        range: AnalyticsRange = .all, timeZone: TimeZone = .gmt, startingBalance: Double? = nil,
        startingBalanceSource: StartingBalanceSource = .given
    ) {
        self.startingBalanceSource = startingBalanceSource
        self.trades = trades
        self.cashFlows = cashFlows
        self.snapshots = snapshots
        self.range = range
        self.timeZone = timeZone
        self.startingBalance = startingBalance
    }
}
