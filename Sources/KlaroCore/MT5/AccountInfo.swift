import Foundation

/// MT5's `AccountInfo`, as the worker sends it (`AccountInfo._asdict()`).
///
/// JSON keys are MT5's own field names, declared in MT5's field order. The fourteen fields the
/// protocol requires are non-optional; the other MT5 fields are optional because older workers and the
/// simulator may leave them out. MT5's `ulong` login is an `Int64` here, as in PostgreSQL.
public struct AccountInfo: Codable, Sendable, Equatable {
    public var login: Int64
    /// 0 demo, 1 contest, 2 real (see ``AccountTradeMode``).
    public var tradeMode: Int
    public var leverage: Int64
    public var limitOrders: Int?
    public var marginSoMode: Int?
    public var tradeAllowed: Bool?
    public var tradeExpert: Bool?
    public var marginMode: Int?
    public var currencyDigits: Int?
    public var fifoClose: Bool?
    public var balance: Double
    public var credit: Double
    public var profit: Double
    public var equity: Double
    public var margin: Double
    public var marginFree: Double
    public var marginLevel: Double
    public var marginSoCall: Double?
    public var marginSoSo: Double?
    public var marginInitial: Double?
    public var marginMaintenance: Double?
    public var assets: Double?
    public var liabilities: Double?
    public var commissionBlocked: Double?
    public var name: String
    public var server: String
    public var currency: String
    public var company: String

    /// The account's trade mode when it is one MT5 documents, otherwise nil.
    public var accountTradeMode: AccountTradeMode? { AccountTradeMode(rawValue: tradeMode) }

    /// Creates a record with the required fields; the optional MT5 fields start as nil.
    public init(
        login: Int64, tradeMode: Int, leverage: Int64,
        balance: Double, credit: Double, profit: Double, equity: Double,
        margin: Double, marginFree: Double, marginLevel: Double,
        name: String, server: String, currency: String, company: String
    ) {
        self.login = login
        self.tradeMode = tradeMode
        self.leverage = leverage
        self.balance = balance
        self.credit = credit
        self.profit = profit
        self.equity = equity
        self.margin = margin
        self.marginFree = marginFree
        self.marginLevel = marginLevel
        self.name = name
        self.server = server
        self.currency = currency
        self.company = company
    }

    enum CodingKeys: String, CodingKey {
        case login
        case tradeMode = "trade_mode"
        case leverage
        case limitOrders = "limit_orders"
        case marginSoMode = "margin_so_mode"
        case tradeAllowed = "trade_allowed"
        case tradeExpert = "trade_expert"
        case marginMode = "margin_mode"
        case currencyDigits = "currency_digits"
        case fifoClose = "fifo_close"
        case balance, credit, profit, equity, margin
        case marginFree = "margin_free"
        case marginLevel = "margin_level"
        case marginSoCall = "margin_so_call"
        case marginSoSo = "margin_so_so"
        case marginInitial = "margin_initial"
        case marginMaintenance = "margin_maintenance"
        case assets, liabilities
        case commissionBlocked = "commission_blocked"
        case name, server, currency, company
    }
}
