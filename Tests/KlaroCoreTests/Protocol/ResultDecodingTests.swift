import Foundation
import KlaroCore
import Testing

/// The fast result reader against Foundation's JSONDecoder: same answers on valid results,
/// on damaged ones, and on the protocol's edge cases.
@Suite("ResultMessage decoding")
struct ResultDecodingTests {
    struct Rng: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let texts = ["", "EURUSD", "ünïcødé €", "quote \" and \\ backslash", "line\nbreak\ttab", "emoji 🚀", "\u{1}ctl", "/slash"]

    static func randomResult(_ rng: inout Rng) -> [String: Any] {
        func text() -> String { texts[Int(rng.next() % UInt64(texts.count))] }
        func double() -> Double {
            switch rng.next() % 4 {
            case 0: return Double(Int64(rng.next() % 2_000_000) - 1_000_000) / 100
            case 1: return Double(rng.next() % 1000) * 1e-7
            case 2: return 1.23e15
            default: return 0
            }
        }
        func int() -> Int64 { Int64(rng.next() % 9_000_000_000) - 1 }
        func uuid() -> UUID {
            let (a, b) = (rng.next(), rng.next())
            return withUnsafeBytes(of: (a, b)) { UUID(uuid: $0.load(as: uuid_t.self)) }
        }
        let ok = rng.next() % 3 != 0
        var result: [String: Any] = [
            "v": 1, "job_id": uuid().uuidString.lowercased(), "account_id": uuid().uuidString, "host": "h-\(rng.next() % 9)",
            "slot": Int(rng.next() % 8) + 1, "fence": Int(rng.next() % 1000) + 1, "started_at": 1_764_057_600_000,
            "finished_at": 1_764_057_601_000, "outcome": ok ? "ok" : ["timeout", "auth_failed", "ipc_error"][Int(rng.next() % 3)],
            "mt5_error": rng.next() % 4 == 0 ? NSNull() : ["code": -Int(rng.next() % 10_006), "message": text()],
            "login_ms": rng.next() % 3 == 0 ? NSNull() : Int(rng.next() % 60_000),
            "fetch_ms": rng.next() % 3 == 0 ? NSNull() : Int(rng.next() % 60_000),
            "terminal": rng.next() % 3 == 0 ? NSNull() : ["build": 5200, "connected": rng.next() % 2 == 0, "ping_last": 41_230],
            "unknown_extra": ["nested": [1, 2, ["x": NSNull()]]],
        ]
        if rng.next() % 2 == 0 { result["deals_truncated"] = rng.next() % 2 == 0 }
        if ok {
            var account: [String: Any] = [
                "login": int(), "trade_mode": 0, "leverage": 100, "balance": double(), "credit": 0.0, "profit": double(),
                "equity": double(), "margin": double(), "margin_free": double(), "margin_level": double(), "name": text(),
                "server": text(), "currency": "USD", "company": text(),
            ]
            if rng.next() % 2 == 0 { account["limit_orders"] = 200; account["trade_allowed"] = true; account["assets"] = 0.5 }
            result["account"] = account
            result["positions"] = (0..<Int(rng.next() % 4)).map { _ in [
                "ticket": int(), "time": int(), "time_msc": int(), "time_update": int(), "time_update_msc": int(),
                "type": Int(rng.next() % 2), "magic": int(), "identifier": int(), "reason": 3, "volume": double(),
                "price_open": double(), "sl": 0.0, "tp": double(), "price_current": double(), "swap": double(),
                "profit": double(), "symbol": text(), "comment": text(), "external_id": text(),
            ] as [String: Any] }
            result["deals"] = (0..<Int(rng.next() % 5)).map { _ in [
                "ticket": int(), "order": int(), "time": int(), "time_msc": int(), "type": Int(rng.next() % 18),
                "entry": Int(rng.next() % 4), "magic": int(), "position_id": int(), "reason": 0, "volume": double(),
                "price": double(), "commission": double(), "swap": double(), "profit": double(), "fee": double(),
                "symbol": text(), "comment": text(), "external_id": text(),
            ] as [String: Any] }
            // The optional fields of issue 12.
            if rng.next() % 2 == 0 {
                var clock: [String: Any] = ["utc_ms": int(), "tick_time_msc": int()]
                if rng.next() % 2 == 0 { clock["symbol"] = text() }
                result["server_clock"] = rng.next() % 5 == 0 ? NSNull() : clock
            }
            if rng.next() % 2 == 0 {
                result["symbols"] = (0..<Int(rng.next() % 3)).map { _ in
                    ["symbol": text(), "digits": Int(rng.next() % 8), "point": double()] as [String: Any]
                }
            }
        } else {
            result["account"] = NSNull()
            result["positions"] = NSNull()
            result["deals"] = NSNull()
        }
        return result
    }

    static func agree(_ bytes: [UInt8]) -> (Bool, String) {
        let fast = ResultMessage.decode(bytes)
        let reference = Result { try JSONDecoder().decode(ResultMessage.self, from: Data(bytes)) }
        switch (fast, reference) {
        case (.success(let a), .success(let b)): return (a == b, "values differ")
        case (.failure, .failure): return (true, "")
        case (.success, .failure(let error)): return (false, "fast accepted what JSONDecoder refused: \(error)")
        case (.failure(.invalidJSON), .success):
            // Foundation is lenient where RFC 8259 is not: JSONDecoder does not look inside
            // values under keys it ignores, and both it and JSONSerialization accept trailing
            // commas. The fast reader may refuse such text; anything else must agree.
            let text = String(decoding: bytes, as: UTF8.self)
            let trailingComma = text.contains(",}") || text.contains(",]")
            let foundationAccepts = (try? JSONSerialization.jsonObject(with: Data(bytes))) != nil
            return (trailingComma || !foundationAccepts, "fast refused valid JSON that JSONDecoder accepted (\(ResultMessage.decode(bytes)))")
        case (.failure(let error), .success): return (false, "fast refused what JSONDecoder accepted: \(error)")
        }
    }

    @Test("valid results decode to the same values as with JSONDecoder")
    func validResults() throws {
        var rng = Rng(state: 7)
        for index in 0..<400 {
            let object = Self.randomResult(&rng)
            let bytes = Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
            guard case .success = ResultMessage.decode(bytes) else {
                Issue.record("case \(index) refused: \(ResultMessage.decode(bytes)) — \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            let (same, why) = Self.agree(bytes)
            #expect(same, "case \(index): \(why)")
        }
    }

    @Test("damaged results: both readers accept or refuse alike")
    func damagedResults() throws {
        var rng = Rng(state: 99)
        var refused = 0
        for index in 0..<(Int(ProcessInfo.processInfo.environment["KLARO_DECODE_CASES"] ?? "") ?? 1500) {
            var bytes = Array(try JSONSerialization.data(withJSONObject: Self.randomResult(&rng), options: [.sortedKeys]))
            switch rng.next() % 4 {
            case 0: bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            case 1:
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            case 2:
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes.insert(contentsOf: Array([",", "}", "]", "\"", "null", "1e999", "-", "\\u12"][Int(rng.next() % 8)].utf8), at: at)
            default:
                let at = Int(rng.next() % UInt64(bytes.count))
                bytes.remove(at: at)
            }
            if case .failure = ResultMessage.decode(bytes) { refused += 1 }
            let (same, why) = Self.agree(bytes)
            #expect(same, "case \(index): \(why): \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(refused > 1000, "most damage must be caught")
    }

    @Test("edge cases of the schema")
    func edgeCases() {
        func decode(_ text: String) -> Result<ResultMessage, ResultDecodingError> { ResultMessage.decode(Array(text.utf8)) }
        let base = """
            {"v":1,"job_id":"0193a7c4-5e0b-7cc1-9d6e-52e1d1b2a9f4","account_id":"6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d10",
             "host":"h","slot":1,"fence":1,"started_at":1,"finished_at":2,"outcome":"timeout","mt5_error":null,
             "login_ms":null,"fetch_ms":null,"account":null,"positions":null,"deals":null,"terminal":null}
            """
        guard case .success(let message) = decode(base) else { Issue.record("base must decode"); return }
        #expect(message.outcome == .timeout)
        #expect(message.dealsTruncated == false)
        let cases: [(String, String)] = [
            (base.replacingOccurrences(of: "\"v\":1", with: "\"v\":2"), "v"),
            (base.replacingOccurrences(of: ",\"terminal\":null", with: ""), "terminal: missing"),
            (base.replacingOccurrences(of: "\"timeout\"", with: "\"lost\""), "outcome"),
            (base.replacingOccurrences(of: "\"slot\":1", with: "\"slot\":1.5"), "slot"),
            (base.replacingOccurrences(of: "\"slot\":1", with: "\"slot\":\"1\""), "slot"),
            (base.replacingOccurrences(of: "\"fence\":1", with: "\"fence\":99999999999999999999"), "fence"),
            (base.replacingOccurrences(of: "0193a7c4", with: "zz93a7c4"), "job_id"),
        ]
        for (text, field) in cases {
            guard case .failure(.schema(let detail)) = decode(text) else {
                Issue.record("\(field) must be a schema error: \(decode(text))")
                continue
            }
            #expect(detail.contains(field), "\(detail)")
            #expect(Self.agree(Array(text.utf8)).0)
        }
        for text in ["", "nul", "[1,2]", "{\"v\":1,}", base + "x", String(base.dropLast())] {
            guard case .failure = decode(text) else { Issue.record("\(text) must be refused"); continue }
            #expect(Self.agree(Array(text.utf8)).0, "\(text)")
        }
        #expect(Self.agree([0xFF, 0xFE]).0)
    }
}
