import Foundation

/// Reading a result with ``JSONScanner`` instead of `JSONDecoder`: the same checks as
/// ``ResultMessage/init(from:)`` (required keys, types, `v` = 1, known outcome), several times
/// faster. Tests hold the two to the same answers.
extension ResultMessage {
    /// Decodes `bytes`, describing what is wrong in one line when it cannot.
    public static func decode(_ bytes: [UInt8]) -> Result<ResultMessage, ResultDecodingError> {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do throws(JSONScanner.Failure) {
                guard scanner.peek() == UInt8(ascii: "{") else {
                    if scanner.peek() == nil { return .failure(.invalidJSON("empty input")) }
                    // Valid JSON that is not an object (an array, a string, a bare number,
                    // null) is a schema error; the scanner cannot end a text on a number, so
                    // this rare path asks Foundation.
                    guard (try? JSONSerialization.jsonObject(with: Data(buffer), options: .fragmentsAllowed)) != nil else {
                        try scanner.skipValue()
                        return .failure(.invalidJSON("not JSON"))
                    }
                    return .failure(.schema("(root): expected an object"))
                }
                let message = try read(&scanner)
                guard scanner.peek() == nil else { return .failure(.invalidJSON("unexpected text after the object")) }
                return .success(message)
            } catch {
                switch error {
                case .syntax(let detail): return .failure(.invalidJSON(detail))
                case .type(let detail): return .failure(.schema(detail))
                }
            }
        }
    }

    private static func read(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> ResultMessage {
        var version: Int64?, jobID: UUID?, accountID: UUID?, host: String?, slot: Int64?, fence: Int64?
        var startedAt: Int64?, finishedAt: Int64?, outcome: SyncOutcome?
        var mt5Error: MT5Error?, loginMs: Int64?, fetchMs: Int64?, account: AccountInfo?
        var positions: [TradePosition]?, deals: [TradeDeal]?, terminal: TerminalSummary?
        var dealsTruncated = false, positionsTruncated = false
        var serverClock: ServerClockSample?, symbols: [SymbolSpec]?
        var present = Set<String>()
        try scanner.readObject("(root)") { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            present.insert(key)
            switch key {
            case "v": version = try scanner.readInt("v")
            case "job_id": jobID = try uuid(&scanner, "job_id")
            case "account_id": accountID = try uuid(&scanner, "account_id")
            case "host": host = try scanner.readString("host")
            case "slot": slot = try scanner.readInt("slot")
            case "fence": fence = try scanner.readInt("fence")
            case "started_at": startedAt = try scanner.readInt("started_at")
            case "finished_at": finishedAt = try scanner.readInt("finished_at")
            case "outcome":
                let text = try scanner.readString("outcome")
                guard let value = SyncOutcome(rawValue: text), value != .lost else { throw .type("outcome: unknown outcome") }
                outcome = value
            case "mt5_error":
                if !scanner.readNull() { mt5Error = try readError(&scanner) }
            case "login_ms": loginMs = scanner.readNull() ? nil : try scanner.readInt("login_ms")
            case "fetch_ms": fetchMs = scanner.readNull() ? nil : try scanner.readInt("fetch_ms")
            case "account": account = scanner.readNull() ? nil : try readAccount(&scanner)
            case "positions":
                if !scanner.readNull() {
                    var list: [TradePosition] = []
                    try scanner.readArray("positions", limit: 1_000_000) { (scanner: inout JSONScanner) throws(JSONScanner.Failure) in
                        list.append(try readPosition(&scanner, "positions[\(list.count)]"))
                    }
                    positions = list
                }
            case "deals":
                if !scanner.readNull() {
                    var list: [TradeDeal] = []
                    try scanner.readArray("deals", limit: 1_000_000) { (scanner: inout JSONScanner) throws(JSONScanner.Failure) in
                        list.append(try readDeal(&scanner, "deals[\(list.count)]"))
                    }
                    deals = list
                }
            case "deals_truncated": dealsTruncated = scanner.readNull() ? false : try scanner.readBool("deals_truncated")
            case "positions_truncated": positionsTruncated = scanner.readNull() ? false : try scanner.readBool("positions_truncated")
            case "terminal": terminal = scanner.readNull() ? nil : try readTerminal(&scanner)
            case "server_clock": serverClock = scanner.readNull() ? nil : try readServerClock(&scanner)
            case "symbols": symbols = scanner.readNull() ? nil : try readSymbols(&scanner)
            default: try scanner.skipValue()
            }
        }
        guard let version else { throw .type("v: missing") }
        guard version == Int64(ProtocolKeys.version) else { throw .type("v: unsupported protocol version \(version)") }
        for key in ["mt5_error", "login_ms", "fetch_ms", "account", "positions", "deals", "terminal"] where !present.contains(key) {
            throw .type("\(key): missing")
        }
        guard let jobID else { throw .type("job_id: missing") }
        guard let accountID else { throw .type("account_id: missing") }
        guard let host else { throw .type("host: missing") }
        guard let slot else { throw .type("slot: missing") }
        guard let fence else { throw .type("fence: missing") }
        guard let startedAt else { throw .type("started_at: missing") }
        guard let finishedAt else { throw .type("finished_at: missing") }
        guard let outcome else { throw .type("outcome: missing") }
        guard let slotValue = Int(exactly: slot) else { throw .type("slot: out of range") }
        return ResultMessage(
            jobID: jobID, accountID: accountID, host: host, slot: slotValue, fence: fence, startedAt: startedAt,
            finishedAt: finishedAt, outcome: outcome, mt5Error: mt5Error, loginMs: loginMs, fetchMs: fetchMs,
            account: account, positions: positions, deals: deals, dealsTruncated: dealsTruncated,
            positionsTruncated: positionsTruncated, terminal: terminal, serverClock: serverClock, symbols: symbols
        )
    }

    private static func uuid(_ scanner: inout JSONScanner, _ path: String) throws(JSONScanner.Failure) -> UUID {
        guard let value = UUID(uuidString: try scanner.readString(path)) else { throw .type("\(path): not a UUID") }
        return value
    }

    private static func int(_ scanner: inout JSONScanner, _ path: String) throws(JSONScanner.Failure) -> Int {
        guard let value = Int(exactly: try scanner.readInt(path)) else { throw .type("\(path): out of range") }
        return value
    }

    private static func readError(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> MT5Error {
        var code: Int?, message: String?
        try scanner.readObject("mt5_error") { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "code": code = try int(&scanner, "mt5_error.code")
            case "message": message = try scanner.readString("mt5_error.message")
            default: try scanner.skipValue()
            }
        }
        guard let code else { throw .type("mt5_error.code: missing") }
        guard let message else { throw .type("mt5_error.message: missing") }
        return MT5Error(code: code, message: message)
    }

    private static func readTerminal(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> TerminalSummary {
        var build: Int?, connected: Bool?, ping: Int64?
        try scanner.readObject("terminal") { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "build": build = try int(&scanner, "terminal.build")
            case "connected": connected = try scanner.readBool("terminal.connected")
            case "ping_last": ping = try scanner.readInt("terminal.ping_last")
            default: try scanner.skipValue()
            }
        }
        guard let build, let connected, let ping else { throw .type("terminal: build, connected and ping_last are required") }
        return TerminalSummary(build: build, connected: connected, pingLast: ping)
    }

    private static func readAccount(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> AccountInfo {
        var ints: [String: Int64] = [:], doubles: [String: Double] = [:], texts: [String: String] = [:], flags: [String: Bool] = [:]
        try scanner.readObject("account") { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            let path = "account.\(key)"
            switch key {
            case "login", "trade_mode", "leverage", "limit_orders", "margin_so_mode", "margin_mode", "currency_digits":
                if scanner.readNull() { if AccountFields.required.contains(key) { throw .type("\(path): expected an integer, found null") } } else { ints[key] = try scanner.readInt(path) }
            case "balance", "credit", "profit", "equity", "margin", "margin_free", "margin_level", "margin_so_call",
                 "margin_so_so", "margin_initial", "margin_maintenance", "assets", "liabilities", "commission_blocked":
                if scanner.readNull() { if AccountFields.required.contains(key) { throw .type("\(path): expected a number, found null") } } else { doubles[key] = try scanner.readDouble(path) }
            case "name", "server", "currency", "company":
                texts[key] = try scanner.readString(path)
            case "trade_allowed", "trade_expert", "fifo_close":
                if !scanner.readNull() { flags[key] = try scanner.readBool(path) }
            default: try scanner.skipValue()
            }
        }
        for key in AccountFields.required where ints[key] == nil && doubles[key] == nil && texts[key] == nil {
            throw .type("account.\(key): missing")
        }
        guard let tradeMode = Int(exactly: ints["trade_mode"]!) else { throw .type("account.trade_mode: out of range") }
        var account = AccountInfo(
            login: ints["login"]!, tradeMode: tradeMode, leverage: ints["leverage"]!, balance: doubles["balance"]!,
            credit: doubles["credit"]!, profit: doubles["profit"]!, equity: doubles["equity"]!, margin: doubles["margin"]!,
            marginFree: doubles["margin_free"]!, marginLevel: doubles["margin_level"]!, name: texts["name"]!,
            server: texts["server"]!, currency: texts["currency"]!, company: texts["company"]!
        )
        account.limitOrders = ints["limit_orders"].flatMap { Int(exactly: $0) }
        account.marginSoMode = ints["margin_so_mode"].flatMap { Int(exactly: $0) }
        account.marginMode = ints["margin_mode"].flatMap { Int(exactly: $0) }
        account.currencyDigits = ints["currency_digits"].flatMap { Int(exactly: $0) }
        account.tradeAllowed = flags["trade_allowed"]
        account.tradeExpert = flags["trade_expert"]
        account.fifoClose = flags["fifo_close"]
        account.marginSoCall = doubles["margin_so_call"]
        account.marginSoSo = doubles["margin_so_so"]
        account.marginInitial = doubles["margin_initial"]
        account.marginMaintenance = doubles["margin_maintenance"]
        account.assets = doubles["assets"]
        account.liabilities = doubles["liabilities"]
        account.commissionBlocked = doubles["commission_blocked"]
        return account
    }

    private enum AccountFields {
        static let required: Set<String> = [
            "login", "trade_mode", "leverage", "balance", "credit", "profit", "equity", "margin", "margin_free",
            "margin_level", "name", "server", "currency", "company",
        ]
    }

    private static func readPosition(_ scanner: inout JSONScanner, _ path: String) throws(JSONScanner.Failure) -> TradePosition {
        var ticket: Int64?, time: Int64?, timeMsc: Int64?, timeUpdate: Int64?, timeUpdateMsc: Int64?, type: Int64?
        var magic: Int64?, identifier: Int64?, reason: Int64?, volume: Double?, priceOpen: Double?, sl: Double?
        var tp: Double?, priceCurrent: Double?, swap: Double?, profit: Double?, symbol: String?, comment: String?
        var externalID: String?
        try scanner.readObject(path) { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            let field = "\(path).\(key)"
            switch key {
            case "ticket": ticket = try scanner.readInt(field)
            case "time": time = try scanner.readInt(field)
            case "time_msc": timeMsc = try scanner.readInt(field)
            case "time_update": timeUpdate = try scanner.readInt(field)
            case "time_update_msc": timeUpdateMsc = try scanner.readInt(field)
            case "type": type = try scanner.readInt(field)
            case "magic": magic = try scanner.readInt(field)
            case "identifier": identifier = try scanner.readInt(field)
            case "reason": reason = try scanner.readInt(field)
            case "volume": volume = try scanner.readDouble(field)
            case "price_open": priceOpen = try scanner.readDouble(field)
            case "sl": sl = try scanner.readDouble(field)
            case "tp": tp = try scanner.readDouble(field)
            case "price_current": priceCurrent = try scanner.readDouble(field)
            case "swap": swap = try scanner.readDouble(field)
            case "profit": profit = try scanner.readDouble(field)
            case "symbol": symbol = try scanner.readString(field)
            case "comment": comment = try scanner.readString(field)
            case "external_id": externalID = try scanner.readString(field)
            default: try scanner.skipValue()
            }
        }
        guard let ticket, let time, let timeMsc, let timeUpdate, let timeUpdateMsc, let type, let magic, let identifier,
              let reason, let volume, let priceOpen, let sl, let tp, let priceCurrent, let swap, let profit, let symbol,
              let comment, let externalID
        else { throw .type("\(path): a required field is missing") }
        guard let positionType = Int(exactly: type).flatMap(PositionType.init(rawValue:)) else { throw .type("\(path).type: not 0 or 1") }
        guard let reasonValue = Int(exactly: reason) else { throw .type("\(path).reason: out of range") }
        return TradePosition(
            ticket: ticket, time: time, timeMsc: timeMsc, timeUpdate: timeUpdate, timeUpdateMsc: timeUpdateMsc,
            type: positionType, magic: magic, identifier: identifier, reason: reasonValue, volume: volume,
            priceOpen: priceOpen, sl: sl, tp: tp, priceCurrent: priceCurrent, swap: swap, profit: profit, symbol: symbol,
            comment: comment, externalID: externalID
        )
    }

    private static func readDeal(_ scanner: inout JSONScanner, _ path: String) throws(JSONScanner.Failure) -> TradeDeal {
        var ticket: Int64?, order: Int64?, time: Int64?, timeMsc: Int64?, type: Int64?, entry: Int64?, magic: Int64?
        var positionID: Int64?, reason: Int64?, volume: Double?, price: Double?, commission: Double?, swap: Double?
        var profit: Double?, fee: Double?, symbol: String?, comment: String?, externalID: String?
        try scanner.readObject(path) { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            let field = "\(path).\(key)"
            switch key {
            case "ticket": ticket = try scanner.readInt(field)
            case "order": order = try scanner.readInt(field)
            case "time": time = try scanner.readInt(field)
            case "time_msc": timeMsc = try scanner.readInt(field)
            case "type": type = try scanner.readInt(field)
            case "entry": entry = try scanner.readInt(field)
            case "magic": magic = try scanner.readInt(field)
            case "position_id": positionID = try scanner.readInt(field)
            case "reason": reason = try scanner.readInt(field)
            case "volume": volume = try scanner.readDouble(field)
            case "price": price = try scanner.readDouble(field)
            case "commission": commission = try scanner.readDouble(field)
            case "swap": swap = try scanner.readDouble(field)
            case "profit": profit = try scanner.readDouble(field)
            case "fee": fee = try scanner.readDouble(field)
            case "symbol": symbol = try scanner.readString(field)
            case "comment": comment = try scanner.readString(field)
            case "external_id": externalID = try scanner.readString(field)
            default: try scanner.skipValue()
            }
        }
        guard let ticket, let order, let time, let timeMsc, let type, let entry, let magic, let positionID, let reason,
              let volume, let price, let commission, let swap, let profit, let fee, let symbol, let comment, let externalID
        else { throw .type("\(path): a required field is missing") }
        guard let typeValue = Int(exactly: type) else { throw .type("\(path).type: out of range") }
        guard let entryValue = Int(exactly: entry).flatMap(DealEntry.init(rawValue:)) else { throw .type("\(path).entry: not 0…3") }
        guard let reasonValue = Int(exactly: reason) else { throw .type("\(path).reason: out of range") }
        return TradeDeal(
            ticket: ticket, order: order, time: time, timeMsc: timeMsc, type: DealType(rawValue: typeValue),
            entry: entryValue, magic: magic, positionID: positionID, reason: reasonValue, volume: volume, price: price,
            commission: commission, swap: swap, profit: profit, fee: fee, symbol: symbol, comment: comment,
            externalID: externalID
        )
    }
}
