import Foundation
@testable import KlaroControlPlane
import Logging
import Testing

@Suite("Account events (SSE frames, the hub)")
struct AccountEventTests {
    let event = AccountEvent(
        userID: UUID(), accountID: UUID(uuidString: "6F9619FF-8B86-D011-B42D-00C04FC964FF")!, outcome: "auth_failed", status: "auth_failed",
        at: 1_765_000_000_123)

    @Test("a NOTIFY payload decodes; the frame carries id, event and JSON data without the user id")
    func frame() throws {
        let payload = #"{"user_id":"\#(event.userID.uuidString.lowercased())","account_id":"6f9619ff-8b86-d011-b42d-00c04fc964ff","outcome":"auth_failed","status":"auth_failed","at":1765000000123}"#
        #expect(AccountEvent.decode(payload: payload) == event)
        #expect(AccountEvent.decode(payload: "{nonsense") == nil)
        let frame = event.frame
        #expect(frame.hasPrefix("id: 1765000000123\nevent: account\ndata: {"))
        #expect(frame.hasSuffix("}\n\n"))
        #expect(!frame.contains(event.userID.uuidString.lowercased()))
        let data = try #require(frame.split(separator: "\n").first { $0.hasPrefix("data: ") }?.dropFirst(6))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "sync_failed")
        #expect(json["account_id"] as? String == "6f9619ff-8b86-d011-b42d-00c04fc964ff")
    }

    @Test("odd characters in an outcome cannot break the frame")
    func cleaned() {
        let odd = AccountEvent(userID: UUID(), accountID: UUID(), outcome: "ok\n\ndata: x\"", status: "active", at: 1)
        #expect(odd.frame.components(separatedBy: "\n\n").count == 2)
        #expect(odd.frame.contains(#""outcome":"okdatax""#))
    }

    @Test("Last-Event-ID is a non-negative number or ignored")
    func resumePoint() {
        #expect(AccountEvent.resumePoint("1765000000123") == 1_765_000_000_123)
        #expect(AccountEvent.resumePoint(" 7 ") == 7)
        #expect(AccountEvent.resumePoint("-1") == nil)
        #expect(AccountEvent.resumePoint("abc") == nil)
        #expect(AccountEvent.resumePoint(nil) == nil)
    }

    @Test("the hub delivers to the event's user only, and a user's newest stream closes their oldest past the bound")
    func hub() async throws {
        let hub = AccountEventHub(url: "postgresql://unused", logger: Logger(label: "test"), maxStreamsPerUser: 2)
        let other = UUID()
        let first = hub.subscribe(event.userID)
        let second = hub.subscribe(event.userID)
        let third = hub.subscribe(event.userID)
        #expect(hub.streamCount(for: event.userID) == 2)
        var firstIterator = first.messages.makeAsyncIterator()
        #expect(await firstIterator.next() == nil, "the oldest stream was closed")
        let stranger = hub.subscribe(other)
        hub.deliver(event)
        var secondIterator = second.messages.makeAsyncIterator()
        #expect(await secondIterator.next() == .event(event))
        var thirdIterator = third.messages.makeAsyncIterator()
        #expect(await thirdIterator.next() == .event(event))
        // The stranger's stream got nothing: the next message it sees is a later event of its own.
        let own = AccountEvent(userID: other, accountID: UUID(), outcome: "ok", status: "active", at: 2)
        hub.deliver(own)
        var strangerIterator = stranger.messages.makeAsyncIterator()
        #expect(await strangerIterator.next() == .event(own))
        #expect(hub.streamCount(for: other) == 1)
    }
}
