import KlaroCore

/// The parsed form of `v1:<key id>:<base64(nonce(12) ‖ ciphertext ‖ tag(16))>`.
struct CredentialEnvelope: Sendable, Equatable {
    static let version = "v1"

    let keyID: String
    let nonce: [UInt8]
    let ciphertext: [UInt8]
    let tag: [UInt8]

    /// The stored text.
    var text: String { Self.version + ":" + keyID + ":" + Base64.encode(nonce + ciphertext + tag) }

    init(keyID: String, nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.keyID = keyID
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// Parses stored text; errors describe the structure only, never the content.
    init(parsing text: String) throws(CredentialError) {
        guard text.hasPrefix(Self.version + ":") else {
            throw Self.versionError(text) ?? .malformedEnvelope(reason: "it does not start with \"v1:\"")
        }
        let parts = text.dropFirst(Self.version.count + 1).split(
            separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw .malformedEnvelope(reason: "expected v1:<key id>:<base64>") }
        let keyID = String(parts[0])
        guard KeyRing.isValidKeyID(keyID) else {
            throw .malformedEnvelope(reason: "the key id field is not a valid key id")
        }
        guard let payload = Base64.decode(parts[1]) else {
            throw .malformedEnvelope(reason: "the payload after the key id is not standard padded base64")
        }
        let minimum = AESGCM.nonceByteCount + AESGCM.tagByteCount
        guard payload.count >= minimum else {
            throw .malformedEnvelope(
                reason: "the payload is \(payload.count) bytes, shorter than nonce and tag (\(minimum)); truncated?")
        }
        self.keyID = keyID
        nonce = Array(payload.prefix(AESGCM.nonceByteCount))
        ciphertext = Array(payload.dropFirst(AESGCM.nonceByteCount).dropLast(AESGCM.tagByteCount))
        tag = Array(payload.suffix(AESGCM.tagByteCount))
    }

    /// `.unsupportedVersion` when the text starts like another version (`v<digits>:`).
    private static func versionError(_ text: String) -> CredentialError? {
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let prefix = text[..<colon]
        guard prefix.count >= 2, prefix.count <= 6, prefix.first == "v",
            prefix.dropFirst().allSatisfy({ $0.isASCII && $0.isNumber }), prefix != version
        else { return nil }
        return .unsupportedVersion(String(prefix))
    }
}
