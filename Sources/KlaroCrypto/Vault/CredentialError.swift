/// Why a stored credential could not be sealed or opened. Messages name the key id at
/// most; they never contain a password, a key or envelope bytes.
public enum CredentialError: Error, Sendable, Equatable {
    /// The stored text is not `v1:<key id>:<base64>`; `reason` says which part is wrong.
    case malformedEnvelope(reason: String)
    /// The envelope has a version prefix (e.g. `v2`) this build does not read.
    case unsupportedVersion(String)
    /// The envelope names a key id that the configured key ring does not hold.
    case unknownKeyID(String)
    /// The tag did not verify: the envelope was altered, or belongs to another account.
    case authenticationFailed(keyID: String)
    /// The decrypted password is not valid UTF-8 (it was not sealed by this code).
    case invalidPlaintext(keyID: String)
    /// libcrypto failed (random generator, allocation); `reason` is OpenSSL's error text.
    case cryptoFailure(reason: String)
}

extension CredentialError: CustomStringConvertible {
    public var description: String {
        switch self {
        case let .malformedEnvelope(reason):
            "stored credential is malformed: \(reason)"
        case let .unsupportedVersion(version):
            "stored credential has envelope version \"\(version)\", this build reads only v1"
        case let .unknownKeyID(keyID):
            "stored credential is sealed with key id \"\(keyID)\", which is not in KLARO_CREDENTIAL_KEYS; "
                + "add that key back to the ring (after the current one)"
        case let .authenticationFailed(keyID):
            "stored credential (key id \"\(keyID)\") failed authentication: it was altered, "
                + "belongs to another account, or the key under that id changed"
        case let .invalidPlaintext(keyID):
            "stored credential (key id \"\(keyID)\") decrypted to bytes that are not UTF-8 text"
        case let .cryptoFailure(reason):
            "credential encryption failed inside OpenSSL: \(reason)"
        }
    }
}
