import Foundation
import KlaroCore
@testable import KlaroControlPlane
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Testing

/// What klarod refuses before any database work, as docs/protocol.md §9 describes it.
@Suite("Ingest: result validation (protocol §9)")
struct ResultValidatorTests {
    static let validator = ResultValidator(maxDeals: 3)

    /// An `ok` result with `deals` deals, as a stream entry.
    static func entry(deals count: Int) throws -> StreamEntry {
        let now = EpochMilliseconds.from(Date())
        guard case .ok(let account, let positions, let deals, _) = TestFleet.healthyAnswer(login: 5_012_345, server: "Broker-Demo")
        else { throw TestServerError.commandFailed("healthyAnswer is not ok") }
        let many = (0..<count).map { index in
            var deal = deals[index % deals.count]
            deal.ticket = Int64(index + 1)
            return deal
        }
        let message = TestResultMessage(
            job_id: UUID().uuidString.lowercased(), account_id: UUID().uuidString.lowercased(), host: "h1", slot: 1, fence: 1,
            started_at: now, finished_at: now, outcome: "ok", mt5_error: .init(code: 1, message: "Success"), login_ms: 1,
            fetch_ms: 1, account: account, positions: positions, deals: many, terminal: nil
        )
        return entry(String(decoding: try JSONEncoder().encode(message), as: UTF8.self))
    }

    static func entry(_ result: String) -> StreamEntry {
        StreamEntry(id: "1-0", fields: ["result": Array(result.utf8)])
    }

    static func reason(_ entry: StreamEntry) -> ResultRejectionReason? {
        if case .failure(let rejection) = validator.validate(entry) { return rejection.reason }
        return nil
    }

    @Test("JSON that is not an object (an array, a string, a number, null) is a schema rejection")
    func notAnObject() {
        for text in ["[1,2,3]", "[]", "\"result\"", "42", "null"] {
            #expect(Self.reason(Self.entry(text)) == .schema, "\(text)")
        }
        for text in ["", "{", "[1,2", "not json"] {
            #expect(Self.reason(Self.entry(text)) == .invalidJSON, "\(text)")
        }
        #expect(Self.reason(StreamEntry(id: "1-0", fields: ["other": Array("x".utf8)])) == .invalidJSON)
    }

    @Test("a result with more deals than max_deals is refused whole; exactly max_deals is accepted")
    func overMaxDeals() throws {
        guard case .success(let accepted) = Self.validator.validate(try Self.entry(deals: 3)) else {
            Issue.record("max_deals deals must be accepted")
            return
        }
        #expect(accepted.message.deals?.count == 3)
        guard case .failure(let rejection) = Self.validator.validate(try Self.entry(deals: 4)) else {
            Issue.record("max_deals + 1 deals must be refused")
            return
        }
        #expect(rejection.reason == .schema)
        #expect(rejection.detail.contains("max_deals"))
    }
}
