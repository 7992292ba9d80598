import Foundation
@testable import KlaroControlPlane
import KlaroCore
import Testing

@Suite("Stripe-Signature verification")
struct StripeSignatureTests {
    let secret = Secret(APIServer.stripeSecret)
    let body = Data(#"{"id":"evt_1","type":"customer.subscription.created"}"#.utf8)
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    var checker: StripeSignature { StripeSignature(secret: secret) }

    @Test("a fresh signature over the exact body verifies")
    func valid() throws {
        let header = try StripeSignature.header(timestamp: 1_800_000_000, body: body, secret: secret)
        try checker.verify(header: header, body: body, now: now)
        // Stripe may send several v1 values (during secret rolls) and v0 test ones.
        try checker.verify(header: "t=1800000000,v1=\(String(repeating: "ab", count: 32)),v0=zz," + header.split(separator: ",")[1], body: body, now: now)
    }

    @Test("matches Stripe's documented construction: HMAC-SHA256 of \"t.body\" in hex")
    func construction() throws {
        // python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test_0123456789abcdef", b"1800000000.{}", hashlib.sha256).hexdigest())'
        let header = try StripeSignature.header(timestamp: 1_800_000_000, body: Data("{}".utf8), secret: secret)
        #expect(header == "t=1800000000,v1=" + Self.pythonHMAC)
    }

    @Test("stale or future timestamps are refused", arguments: [-301.0, 301.0])
    func stale(offset: Double) throws {
        let header = try StripeSignature.header(timestamp: Int64(now.timeIntervalSince1970 + offset), body: body, secret: secret)
        #expect(throws: StripeSignature.Failure.stale) { try checker.verify(header: header, body: body, now: now) }
    }

    @Test("a tampered body, another secret or a changed timestamp do not verify")
    func tampered() throws {
        let header = try StripeSignature.header(timestamp: 1_800_000_000, body: body, secret: secret)
        var changed = body
        changed[changed.count - 2] ^= 1
        #expect(throws: StripeSignature.Failure.mismatch) { try checker.verify(header: header, body: changed, now: now) }
        let other = try StripeSignature.header(timestamp: 1_800_000_000, body: body, secret: Secret("whsec_other_0123456789"))
        #expect(throws: StripeSignature.Failure.mismatch) { try checker.verify(header: other, body: body, now: now) }
        let moved = header.replacingOccurrences(of: "t=1800000000", with: "t=1800000001")
        #expect(throws: StripeSignature.Failure.mismatch) { try checker.verify(header: moved, body: body, now: now) }
    }

    @Test("missing and malformed headers", arguments: [nil, "", "t=1800000000", "v1=abc", "t=x,v1=00", "garbage"])
    func malformed(header: String?) {
        #expect(throws: StripeSignature.Failure.self) { try checker.verify(header: header, body: body, now: now) }
    }

    /// Python's `hmac` module over the same secret and message (the command above).
    static let pythonHMAC = "7de8de2253f23ed2f1ee03677a5c8c84dffff5a5b29787873b2dc14cbb158539"
}
