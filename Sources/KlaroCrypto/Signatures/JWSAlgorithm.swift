/// The asymmetric JWS algorithms klarod verifies (RFC 7518 §3.3, §3.4).
public enum JWSAlgorithm: String, Sendable, Equatable {
    /// ECDSA with P-256 and SHA-256; the signature is r ‖ s, 32 bytes each.
    case es256 = "ES256"
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    case rs256 = "RS256"
}

/// A JWS key could not be made or used; the text names the step, never key bytes.
public struct JWSKeyError: Error, Sendable, CustomStringConvertible {
    public let reason: String

    public var description: String { reason }
}
