import KlaroCore

/// The AES-256 keys that protect stored MT5 passwords, from `KLARO_CREDENTIAL_KEYS`.
///
/// Text form: `id=base64(32 bytes),id2=base64(32 bytes),…`. The first entry is the current
/// key (new envelopes use it); the others only open older envelopes until
/// `klarod keys rotate` has re-sealed them. Printing a ring shows its ids, never its keys.
public struct KeyRing: Sendable {
    /// AES-256 key length.
    public static let keyByteCount = 32
    /// Longest allowed key id.
    public static let maximumKeyIDLength = 32

    struct Entry: Sendable {
        let id: String
        let key: SecretBytes
    }

    let entries: [Entry]

    /// The id new envelopes are sealed with (the first entry).
    public var currentKeyID: String { entries[0].id }

    /// All key ids, current first, in configuration order.
    public var keyIDs: [String] { entries.map(\.id) }

    private init(entries: [Entry]) {
        precondition(!entries.isEmpty, "KeyRing.parse guarantees at least one entry")
        self.entries = entries
    }

    /// Parses the configuration text. Whitespace around entries is ignored.
    /// - Throws: ``KeyRingError`` naming the first wrong entry by position (and id, once valid).
    public static func parse(_ text: String) throws(KeyRingError) -> KeyRing {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw .emptyRing }
        var entries: [Entry] = []
        var positionByID: [String: Int] = [:]
        for (offset, rawEntry) in trimmed.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let position = offset + 1
            let entryText = rawEntry.trimmingWhitespace()
            guard !entryText.isEmpty else { throw .emptyEntry(position: position) }
            // Split at the first '=': base64 padding supplies the later ones.
            guard let separator = entryText.firstIndex(of: "=") else { throw .missingSeparator(position: position) }
            let id = String(entryText[..<separator])
            if let reason = keyIDProblem(id) { throw .invalidKeyID(position: position, reason: reason) }
            guard var keyBytes = Base64.decode(entryText[entryText.index(after: separator)...]) else {
                throw .keyNotBase64(position: position, keyID: id)
            }
            guard keyBytes.count == keyByteCount else {
                let count = keyBytes.count
                wipe(&keyBytes)
                throw .wrongKeyLength(position: position, keyID: id, byteCount: count)
            }
            if let firstPosition = positionByID[id] {
                wipe(&keyBytes)
                throw .duplicateKeyID(position: position, keyID: id, firstPosition: firstPosition)
            }
            positionByID[id] = position
            entries.append(Entry(id: id, key: SecretBytes(wiping: &keyBytes)))
        }
        return KeyRing(entries: entries)
    }

    /// A new `id=base64` entry with 32 fresh random bytes, for operators adding a key.
    /// Put it first in `KLARO_CREDENTIAL_KEYS` to make it current.
    /// - Throws: ``KeyRingError/invalidKeyID(position:reason:)`` (position 1) for a bad id,
    ///   ``KeyRingError/keyGenerationFailed(reason:)`` if the random generator fails.
    public static func generateEntry(id: String) throws(KeyRingError) -> String {
        if let reason = keyIDProblem(id) { throw .invalidKeyID(position: 1, reason: reason) }
        do {
            let key = try SecretBytes.random(count: keyByteCount)
            return id + "=" + key.withUnsafeBytes { Base64.encode($0) }
        } catch {
            throw .keyGenerationFailed(reason: error.description)
        }
    }

    /// Whether `id` is a well-formed key id (`[A-Za-z0-9_-]{1,32}`).
    public static func isValidKeyID(_ id: some StringProtocol) -> Bool { keyIDProblem(id) == nil }

    /// The key for `id`, or nil when the ring does not hold it.
    func key(for id: some StringProtocol) -> SecretBytes? {
        entries.first { $0.id == id }?.key
    }

    /// Why `id` is not a valid key id, worded without repeating it; nil when valid.
    static func keyIDProblem(_ id: some StringProtocol) -> String? {
        if id.isEmpty { return "it is empty" }
        if id.count > maximumKeyIDLength { return "it is \(id.count) characters long" }
        if let offset = id.unicodeScalars.firstIndex(where: { !isKeyIDCharacter($0) }) {
            let position = id.unicodeScalars.distance(from: id.unicodeScalars.startIndex, to: offset) + 1
            return "character \(position) is not allowed"
        }
        return nil
    }

    private static func isKeyIDCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "A"..."Z", "a"..."z", "0"..."9", "_", "-": true
        default: false
        }
    }
}

extension KeyRing: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "KeyRing(current: \(currentKeyID), ids: \(keyIDs.joined(separator: ",")))" }
    public var debugDescription: String { description }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> Substring {
        let scalars = Substring(self)
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return scalars[first...last]
    }
}
