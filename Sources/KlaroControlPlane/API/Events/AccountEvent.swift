import Foundation

/// A change to one of a trader's accounts, announced by the ingest (PostgreSQL `NOTIFY` on
/// ``AccountEvent/channel``) and streamed to that trader's browsers as Server-Sent Events.
struct AccountEvent: Codable, Sendable, Equatable {
    /// The NOTIFY channel every replica listens on.
    static let channel = "klaro_account_events"

    let userID: UUID
    let accountID: UUID
    /// The sync's outcome (`ok`, `auth_failed`, …).
    let outcome: String
    /// The account's status after the sync (`active`, `auth_failed`, …).
    let status: String
    /// The sync's finish time in Unix milliseconds; also the event's id, for `Last-Event-ID`.
    let at: Int64

    enum CodingKeys: String, CodingKey {
        case userID = "user_id", accountID = "account_id", outcome, status, at
    }

    /// `sync_finished` after a good sync, `sync_failed` after a failed one.
    var kind: String { outcome == "ok" ? "sync_finished" : "sync_failed" }

    /// Decodes a NOTIFY payload; nil for anything malformed.
    static func decode(payload: String) -> AccountEvent? {
        try? JSONDecoder().decode(AccountEvent.self, from: Data(payload.utf8))
    }

    /// The event as an SSE frame (`id`, `event`, one `data` line of JSON, blank line). The
    /// user id stays out: the stream belongs to that user already.
    var frame: String {
        let data = #"{"account_id":"\#(accountID.uuidString.lowercased())","kind":"\#(kind)","outcome":"\#(Self.clean(outcome))","#
            + #""status":"\#(Self.clean(status))","at":\#(at)}"#
        return "id: \(at)\nevent: account\ndata: \(data)\n\n"
    }

    /// Outcomes and statuses are short identifiers; anything else is dropped so it cannot break the frame or the JSON.
    private static func clean(_ text: String) -> String {
        String(text.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "_" }.prefix(32).map(Character.init))
    }

    /// A comment line that keeps proxies and the browser from closing an idle stream.
    static let heartbeatFrame = ": heartbeat\n\n"

    /// The first frame: how long a browser waits before reconnecting.
    static let openingFrame = "retry: 3000\n: connected\n\n"

    /// Parses a `Last-Event-ID` header (an event's `at`); nil when absent or not a number.
    static func resumePoint(_ header: String?) -> Int64? {
        guard let header, let value = Int64(header.trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
        return value
    }
}
