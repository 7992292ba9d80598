import COpenSSL

/// Failures of the internal EVP wrappers; the public types map them to their own errors.
enum CryptoPrimitiveError: Error, Sendable, Equatable {
    /// AES-GCM tag check failed: wrong key, wrong additional data, or altered bytes.
    case authenticationFailed
    /// X25519 gave the all-zero shared secret: the peer key is a low-order point.
    case degenerateSharedSecret
    /// A length the primitive cannot take (key, nonce, tag or an oversized input).
    case invalidLength(what: String, expected: String, actual: Int)
    /// libcrypto itself failed (allocation, missing algorithm); `detail` is its error queue.
    case library(operation: String, detail: String)

    /// Builds `.library` for a failed call, draining the thread's OpenSSL error queue so
    /// that stale entries never leak into a later, unrelated failure.
    static func library(_ operation: String) -> CryptoPrimitiveError {
        .library(operation: operation, detail: drainOpenSSLErrorQueue())
    }
}

extension CryptoPrimitiveError: CustomStringConvertible {
    var description: String {
        switch self {
        case .authenticationFailed:
            "authentication failed"
        case .degenerateSharedSecret:
            "X25519 produced the all-zero shared secret (low-order public key)"
        case let .invalidLength(what, expected, actual):
            "\(what) is \(actual) bytes, expected \(expected)"
        case let .library(operation, detail):
            detail.isEmpty ? "\(operation) failed" : "\(operation) failed: \(detail)"
        }
    }
}

/// Throws `.library(operation)` unless an OpenSSL call returned 1 (its success value).
@inline(__always)
func requireSuccess(_ status: Int32, _ operation: String) throws(CryptoPrimitiveError) {
    guard status == 1 else { throw CryptoPrimitiveError.library(operation) }
}

/// Reads and clears this thread's OpenSSL error queue. The texts name library, function
/// and reason only; they never contain key or message bytes.
func drainOpenSSLErrorQueue() -> String {
    var reasons: [String] = []
    while case let code = ERR_get_error(), code != 0 {
        var buffer = [CChar](repeating: 0, count: 256)
        let text = buffer.withUnsafeMutableBufferPointer { pointer in
            ERR_error_string_n(code, pointer.baseAddress, pointer.count)
            return String(cString: pointer.baseAddress!)
        }
        reasons.append(text)
    }
    return reasons.joined(separator: "; ")
}
