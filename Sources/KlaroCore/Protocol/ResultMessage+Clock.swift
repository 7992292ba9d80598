import Foundation

/// Reading the optional `server_clock` and `symbols` fields of a result (protocol v1,
/// additive: a worker that does not send them is still valid).
extension ResultMessage {
    static func readServerClock(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> ServerClockSample {
        var utc: Int64?, tick: Int64?, symbol = ""
        try scanner.readObject("server_clock") { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
            switch key {
            case "utc_ms": utc = try scanner.readInt("server_clock.utc_ms")
            case "tick_time_msc": tick = try scanner.readInt("server_clock.tick_time_msc")
            case "symbol": symbol = try scanner.readString("server_clock.symbol")
            default: try scanner.skipValue()
            }
        }
        guard let utc else { throw .type("server_clock.utc_ms: missing") }
        guard let tick else { throw .type("server_clock.tick_time_msc: missing") }
        return ServerClockSample(utcMs: utc, tickMs: tick, symbol: symbol)
    }

    static func readSymbols(_ scanner: inout JSONScanner) throws(JSONScanner.Failure) -> [SymbolSpec] {
        var list: [SymbolSpec] = []
        try scanner.readArray("symbols", limit: 10_000) { (scanner: inout JSONScanner) throws(JSONScanner.Failure) in
            let path = "symbols[\(list.count)]"
            var symbol: String?, digits: Int64?, point: Double?
            try scanner.readObject(path) { (scanner: inout JSONScanner, key: String) throws(JSONScanner.Failure) in
                switch key {
                case "symbol": symbol = try scanner.readString("\(path).symbol")
                case "digits": digits = try scanner.readInt("\(path).digits")
                case "point": point = try scanner.readDouble("\(path).point")
                default: try scanner.skipValue()
                }
            }
            guard let symbol, let digits, let point else { throw .type("\(path): symbol, digits and point are required") }
            guard let value = Int(exactly: digits) else { throw .type("\(path).digits: out of range") }
            list.append(SymbolSpec(symbol: symbol, digits: value, point: point))
        }
        return list
    }
}
