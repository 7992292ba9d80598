/// Why a credential key ring (`KLARO_CREDENTIAL_KEYS`) was refused.
///
/// Entries are numbered from 1 in the order written. Messages name the entry and, when it
/// is valid, its key id; they never repeat key material, nor an invalid id (which might be
/// a pasted key).
public enum KeyRingError: Error, Sendable, Equatable {
    /// The ring has no entries at all.
    case emptyRing
    /// An entry between two commas is blank.
    case emptyEntry(position: Int)
    /// The entry has no `=` between id and key.
    case missingSeparator(position: Int)
    /// The id is not 1–32 characters of `A–Z a–z 0–9 _ -`; `reason` says which rule broke.
    case invalidKeyID(position: Int, reason: String)
    /// The key text is not canonical standard base64.
    case keyNotBase64(position: Int, keyID: String)
    /// The key decodes to `byteCount` bytes instead of 32.
    case wrongKeyLength(position: Int, keyID: String, byteCount: Int)
    /// The id was already used by the entry at `firstPosition`.
    case duplicateKeyID(position: Int, keyID: String, firstPosition: Int)
    /// The random generator failed while making a new key (`generateEntry`).
    case keyGenerationFailed(reason: String)
}

extension KeyRingError: CustomStringConvertible {
    public var description: String {
        let format = "expected id=base64 of 32 random bytes, e.g. from `openssl rand -base64 32`"
        switch self {
        case .emptyRing:
            return "credential key ring is empty; \(format), current key first"
        case let .emptyEntry(position):
            return "credential key ring entry \(position) is empty (stray comma?)"
        case let .missingSeparator(position):
            return "credential key ring entry \(position) has no '=' between key id and key; \(format)"
        case let .invalidKeyID(position, reason):
            return "credential key ring entry \(position): invalid key id (\(reason)); "
                + "ids are 1–32 characters of A–Z a–z 0–9 _ -"
        case let .keyNotBase64(position, keyID):
            return "credential key ring entry \(position) (id \"\(keyID)\"): key is not standard padded base64 "
                + "(alphabet A–Z a–z 0–9 + /, no spaces); \(format)"
        case let .wrongKeyLength(position, keyID, byteCount):
            return "credential key ring entry \(position) (id \"\(keyID)\"): key decodes to \(byteCount) bytes, "
                + "AES-256 needs exactly 32 (44 base64 characters)"
        case let .duplicateKeyID(position, keyID, firstPosition):
            return "credential key ring entry \(position) (id \"\(keyID)\"): duplicate key id, "
                + "already used by entry \(firstPosition)"
        case let .keyGenerationFailed(reason):
            return "could not generate a credential key: \(reason)"
        }
    }
}
