import Foundation
import KlaroCore
import KlaroCrypto

/// Stripe's webhook signature: header `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=…]`,
/// where each `v1` is HMAC-SHA256 over `"<t>.<raw body>"` keyed with the endpoint's signing
/// secret. A signature is accepted when any `v1` matches and `t` is within the tolerance of
/// now (replays of old deliveries are refused even with a valid signature).
struct StripeSignature: Sendable {
    enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missingHeader
        case malformedHeader
        case stale
        case mismatch

        var description: String {
            switch self {
            case .missingHeader: "the Stripe-Signature header is missing"
            case .malformedHeader: "the Stripe-Signature header has no t= timestamp or no v1= signature"
            case .stale: "the Stripe-Signature timestamp is outside the tolerance (a replay, or a clock far off)"
            case .mismatch: "no v1 signature matches the body under the webhook secret"
            }
        }
    }

    let secret: Secret
    /// Seconds either side of now.
    let tolerance: Double

    init(secret: Secret, tolerance: Double = 300) {
        self.secret = secret
        self.tolerance = tolerance
    }

    /// Checks `header` against the raw body.
    func verify(header: String?, body: Data, now: Date = Date()) throws(Failure) {
        guard let header, !header.isEmpty else { throw .missingHeader }
        var timestamp: Int64?
        var signatures: [[UInt8]] = []
        for item in header.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { continue }
            let key = pair[0].trimmingCharacters(in: .whitespaces)
            let value = pair[1].trimmingCharacters(in: .whitespaces)
            if key == "t" { timestamp = Int64(value) }
            if key == "v1", let bytes = Self.hexBytes(value) { signatures.append(bytes) }
        }
        guard let timestamp, !signatures.isEmpty else { throw .malformedHeader }
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { throw .stale }
        guard let expected = try? Self.signature(timestamp: timestamp, body: body, secret: secret) else { throw .mismatch }
        // Check every candidate, so the time does not say which one matched.
        let matched = signatures.reduce(false) { $0 || HMAC.constantTimeEquals($1, expected) }
        guard matched else { throw .mismatch }
    }

    /// The `v1` signature of `body` sent at `timestamp` (also what tests sign with).
    static func signature(timestamp: Int64, body: Data, secret: Secret) throws -> [UInt8] {
        try HMAC.sha256(key: Array(secret.reveal.utf8), message: Array("\(timestamp).".utf8) + Array(body))
    }

    /// A full header value, for tests and tools.
    static func header(timestamp: Int64, body: Data, secret: Secret) throws -> String {
        "t=\(timestamp),v1=" + (try signature(timestamp: timestamp, body: body, secret: secret)).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }

    static func hexBytes(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}
