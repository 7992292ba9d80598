/// Why a host public key text was refused. The text itself is not repeated: an operator
/// may have pasted a private key by mistake.
public enum HostKeyError: Error, Sendable, Equatable {
    /// Not canonical standard padded base64.
    case notBase64
    /// Decodes to `byteCount` bytes instead of 32.
    case wrongLength(byteCount: Int)
}

extension HostKeyError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notBase64:
            "host public key is not standard padded base64 (alphabet A–Z a–z 0–9 + /, 44 characters)"
        case let .wrongLength(byteCount):
            "host public key decodes to \(byteCount) bytes, an X25519 public key is 32 (44 base64 characters)"
        }
    }
}
