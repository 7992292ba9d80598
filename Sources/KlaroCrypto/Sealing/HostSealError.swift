/// Why a password could not be sealed to, or opened by, a worker host. Messages never
/// contain the password, a private key or the derived key.
public enum HostSealError: Error, Sendable, Equatable {
    /// A public key that is not 32 bytes.
    case invalidPublicKeyLength(Int)
    /// A private key that is not 32 bytes.
    case invalidPrivateKeyLength(Int)
    /// X25519 gave the all-zero shared secret: the public key is a low-order point, which
    /// no honest host key is. Sealing to it is refused.
    case degenerateSharedSecret
    /// The sealed text is of a version the caller does not accept (v1 by default, or an
    /// unknown `vN:`).
    case versionRefused(Int)
    /// `password_sealed` is not base64 of at least ephemeral key, nonce and tag.
    case malformedSealedText(reason: String)
    /// The tag did not verify: another host's key, other job fields, or altered bytes.
    case authenticationFailed
    /// The opened plaintext is not UTF-8.
    case invalidPlaintext
    /// libcrypto failed (random generator, allocation); `reason` is OpenSSL's error text.
    case cryptoFailure(reason: String)
}

extension HostSealError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .invalidPublicKeyLength(count):
            "host public key is \(count) bytes, X25519 needs 32"
        case let .invalidPrivateKeyLength(count):
            "host private key is \(count) bytes, X25519 needs 32"
        case .degenerateSharedSecret:
            "refusing to seal: the host public key is a low-order X25519 point (all-zero shared secret)"
        case let .versionRefused(version):
            "sealed password is of seal version \(version), which is not accepted (v2 is)"
        case let .malformedSealedText(reason):
            "sealed password is malformed: \(reason)"
        case .authenticationFailed:
            "sealed password failed authentication: sealed to another host key, for other job fields (job id, account, login, server), or altered"
        case .invalidPlaintext:
            "sealed password opened to bytes that are not UTF-8 text"
        case let .cryptoFailure(reason):
            "host sealing failed inside OpenSSL: \(reason)"
        }
    }
}

extension HostSealError {
    /// Maps an internal primitive failure; length errors are checked before primitives run.
    init(_ error: CryptoPrimitiveError) {
        switch error {
        case .authenticationFailed: self = .authenticationFailed
        case .degenerateSharedSecret: self = .degenerateSharedSecret
        case .invalidLength, .library: self = .cryptoFailure(reason: error.description)
        }
    }
}
