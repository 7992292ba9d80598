import Foundation
import KlaroCore
import Testing

/// The job JSON the scheduler writes byte by byte (docs/protocol.md §6) reads back as the same
/// message with any JSON parser, escapes included.
@Suite("Protocol: job JSON")
struct JobMessageJSONTests {
    private func message(server: String, sealed: String = "v2:AAEC+/8=", fence: Int64 = 7, historyFrom: Int64 = 0) -> JobMessage {
        JobMessage(
            jobID: UUID(uuidString: "5F0C6A8E-3B1D-4C2A-9E7F-0A1B2C3D4E5F")!,
            accountID: UUID(uuidString: "6F1C1A8E-3F0B-4D4E-9C55-2B1A0F7E9D10")!, attempt: 3, fence: fence,
            login: 5_012_345, server: server, passwordSealed: sealed, historyFrom: historyFrom, historyTo: 1_764_000_000_123,
            dispatchedAt: 1_764_000_000_000, deadline: Int64.max, maxDeals: 20_000)
    }

    @Test func theExactText() {
        #expect(message(server: "Broker-Demo").json() == """
            {"v":1,"job_id":"5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f","account_id":"6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d10",\
            "attempt":3,"fence":7,"login":5012345,"server":"Broker-Demo","password_sealed":"v2:AAEC+/8=","history_from":0,\
            "history_to":1764000000123,"dispatched_at":1764000000000,"deadline":9223372036854775807,"max_deals":20000}
            """)
    }

    @Test("round trip through JSONDecoder", arguments: [
        "Broker-Demo", "Quote\"d \\ back", "line\nbreak\ttab\u{01}", "Ünïcødé €", "",
    ])
    func roundTrip(server: String) throws {
        let original = message(server: server, fence: -3, historyFrom: Int64.min + 1)
        let decoded = try JSONDecoder().decode(JobMessage.self, from: Data(original.jsonBytes()))
        #expect(decoded == original)
        #expect(original.json() == String(decoding: original.jsonBytes(), as: UTF8.self))
    }

    @Test func quotingMatchesTheStringForm() {
        for value in ["plain", "a\"b", "c\\d", "\u{1F}", "ü"] {
            var bytes: [UInt8] = []
            JSONText.appendQuoted(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == JSONText.quoted(value))
        }
    }
}
