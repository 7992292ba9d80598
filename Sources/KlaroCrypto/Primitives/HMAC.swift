import COpenSSL

/// HMAC-SHA256 (RFC 2104) over OpenSSL 3's one-shot `EVP_Q_mac`, for the signatures klarod
/// checks: Stripe webhooks and HS256 JSON Web Tokens.
public enum HMAC {
    /// Length of an HMAC-SHA256 tag.
    public static let sha256ByteCount = 32

    /// The HMAC-SHA256 tag of `message` under `key`.
    /// - Throws: ``HMACError`` only when libcrypto itself fails.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) throws(HMACError) -> [UInt8] {
        let key = Array(key)
        let message = Array(message)
        var tag = [UInt8](repeating: 0, count: sha256ByteCount)
        var length = 0
        let result = tag.withUnsafeMutableBufferPointer { output in
            key.withUnsafeBytes { keyBytes in
                message.withUnsafeBufferPointer { messageBytes in
                    // An empty key needs a non-null pointer; libcrypto reads zero bytes of it.
                    withUnsafeBytes(of: UInt8(0)) { empty in
                        EVP_Q_mac(
                            nil, "HMAC", nil, "SHA256", nil,
                            key.isEmpty ? empty.baseAddress : keyBytes.baseAddress, key.count,
                            messageBytes.baseAddress, messageBytes.count,
                            output.baseAddress, output.count, &length)
                    }
                }
            }
        }
        guard result != nil, length == sha256ByteCount else {
            throw HMACError(reason: drainOpenSSLErrorQueue())
        }
        return tag
    }

    /// Compares two tags in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// libcrypto could not compute an HMAC (allocation, missing algorithm). The reason is
/// OpenSSL's error text, which never holds key or message bytes.
public struct HMACError: Error, Sendable, CustomStringConvertible {
    public let reason: String

    public var description: String {
        reason.isEmpty ? "HMAC-SHA256 failed inside OpenSSL" : "HMAC-SHA256 failed inside OpenSSL: \(reason)"
    }
}
