import Foundation

/// A slot's report on one job (docs/protocol.md §8), as decoded from JSON.
///
/// Decoding enforces the schema's shape: every required key present (nullable ones may be
/// `null` but not missing), the right types, `v` = 1 and a known outcome; semantic checks
/// against the job happen at ingest.
public struct ResultMessage: Decodable, Sendable, Equatable {
    public struct MT5Error: Codable, Sendable, Equatable {
        public var code: Int
        public var message: String

        public init(code: Int, message: String) {
            self.code = code
            self.message = message
        }
    }

    public var jobID: UUID
    public var accountID: UUID
    public var host: String
    public var slot: Int
    public var fence: Int64
    public var startedAt: Int64
    public var finishedAt: Int64
    public var outcome: SyncOutcome
    public var mt5Error: MT5Error?
    public var loginMs: Int64?
    public var fetchMs: Int64?
    public var account: AccountInfo?
    public var positions: [TradePosition]?
    public var deals: [TradeDeal]?
    public var dealsTruncated: Bool
    public var positionsTruncated: Bool
    public var terminal: TerminalSummary?
    /// The broker server's clock beside the worker's UTC clock (optional, additive).
    public var serverClock: ServerClockSample?
    /// Digits and point of the symbols the worker saw (optional, additive).
    public var symbols: [SymbolSpec]?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case v, host, slot, fence, outcome, account, positions, deals, terminal
        case jobID = "job_id"
        case accountID = "account_id"
        case startedAt = "started_at"
        case finishedAt = "finished_at"
        case mt5Error = "mt5_error"
        case loginMs = "login_ms"
        case fetchMs = "fetch_ms"
        case dealsTruncated = "deals_truncated"
        case positionsTruncated = "positions_truncated"
        case serverClock = "server_clock"
        case symbols
    }

    /// Keys that must be present even when their value is null.
    static let requiredNullable: [CodingKeys] = [.mt5Error, .loginMs, .fetchMs, .account, .positions, .deals, .terminal]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let version = try container.decode(Int.self, forKey: .v)
        guard version == ProtocolKeys.version else {
            throw DecodingError.dataCorruptedError(forKey: .v, in: container, debugDescription: "unsupported protocol version \(version)")
        }
        for key in Self.requiredNullable where !container.contains(key) {
            throw DecodingError.keyNotFound(key, .init(codingPath: container.codingPath, debugDescription: "required (may be null)"))
        }
        jobID = try container.decode(UUID.self, forKey: .jobID)
        accountID = try container.decode(UUID.self, forKey: .accountID)
        host = try container.decode(String.self, forKey: .host)
        slot = try container.decode(Int.self, forKey: .slot)
        fence = try container.decode(Int64.self, forKey: .fence)
        startedAt = try container.decode(Int64.self, forKey: .startedAt)
        finishedAt = try container.decode(Int64.self, forKey: .finishedAt)
        let outcomeText = try container.decode(String.self, forKey: .outcome)
        guard let outcome = SyncOutcome(rawValue: outcomeText), outcome != .lost else {
            throw DecodingError.dataCorruptedError(forKey: .outcome, in: container, debugDescription: "unknown outcome")
        }
        self.outcome = outcome
        mt5Error = try container.decodeIfPresent(MT5Error.self, forKey: .mt5Error)
        loginMs = try container.decodeIfPresent(Int64.self, forKey: .loginMs)
        fetchMs = try container.decodeIfPresent(Int64.self, forKey: .fetchMs)
        account = try container.decodeIfPresent(AccountInfo.self, forKey: .account)
        positions = try container.decodeIfPresent([TradePosition].self, forKey: .positions)
        deals = try container.decodeIfPresent([TradeDeal].self, forKey: .deals)
        dealsTruncated = try container.decodeIfPresent(Bool.self, forKey: .dealsTruncated) ?? false
        positionsTruncated = try container.decodeIfPresent(Bool.self, forKey: .positionsTruncated) ?? false
        terminal = try container.decodeIfPresent(TerminalSummary.self, forKey: .terminal)
        serverClock = try container.decodeIfPresent(ServerClockSample.self, forKey: .serverClock)
        symbols = try container.decodeIfPresent([SymbolSpec].self, forKey: .symbols)
    }

    init(
        jobID: UUID, accountID: UUID, host: String, slot: Int, fence: Int64, startedAt: Int64, finishedAt: Int64,
        outcome: SyncOutcome, mt5Error: MT5Error?, loginMs: Int64?, fetchMs: Int64?, account: AccountInfo?,
        positions: [TradePosition]?, deals: [TradeDeal]?, dealsTruncated: Bool, positionsTruncated: Bool,
        terminal: TerminalSummary?, serverClock: ServerClockSample? = nil, symbols: [SymbolSpec]? = nil
    ) {
        self.serverClock = serverClock
        self.symbols = symbols
        self.jobID = jobID
        self.accountID = accountID
        self.host = host
        self.slot = slot
        self.fence = fence
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.mt5Error = mt5Error
        self.loginMs = loginMs
        self.fetchMs = fetchMs
        self.account = account
        self.positions = positions
        self.deals = deals
        self.dealsTruncated = dealsTruncated
        self.positionsTruncated = positionsTruncated
        self.terminal = terminal
    }
}

/// Why a result could not be read: not JSON at all, or JSON that breaks the schema.
public enum ResultDecodingError: Error, Sendable, Equatable, CustomStringConvertible {
    case invalidJSON(String)
    case schema(String)

    init(_ error: DecodingError) {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return text.isEmpty ? "(root)" : String(text.drop { $0 == "." })
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            self = .invalidJSON(context.debugDescription)
        case .dataCorrupted(let context):
            self = .schema("\(path(context)): \(context.debugDescription)")
        case .keyNotFound(let key, let context):
            let parent = path(context)
            self = .schema("\(parent == "(root)" ? "" : parent + ".")\(key.stringValue): missing")
        case .typeMismatch(let type, let context):
            self = .schema("\(path(context)): expected \(type)")
        case .valueNotFound(let type, let context):
            self = .schema("\(path(context)): expected \(type), found null")
        @unknown default:
            self = .schema("\(error)")
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let message): "not JSON: \(message)"
        case .schema(let message): message
        }
    }

    /// A decoding error of any protocol message in one line (no message content).
    public static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "not JSON" }
        return ResultDecodingError(error).description
    }
}
