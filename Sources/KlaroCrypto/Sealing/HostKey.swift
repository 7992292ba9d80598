import KlaroCore

/// Host public keys as text: standard base64 for exchange, `SHA256:` fingerprints for people.
public enum HostKey {
    /// Raw X25519 public key length.
    public static let publicKeyByteCount = 32

    /// Decodes a published host public key (standard padded base64 of 32 raw bytes).
    /// Surrounding whitespace is ignored.
    /// - Throws: ``HostKeyError`` — not base64, or not 32 bytes.
    public static func publicKey(fromBase64 text: String) throws(HostKeyError) -> [UInt8] {
        guard let bytes = Base64.decode(text.trimmingWhitespace()) else { throw .notBase64 }
        guard bytes.count == publicKeyByteCount else { throw .wrongLength(byteCount: bytes.count) }
        return bytes
    }

    /// Standard padded base64 of a raw public key (the form in `klaro:host:{host}`).
    public static func base64(publicKey: [UInt8]) -> String {
        Base64.encode(publicKey)
    }

    /// `"SHA256:" + unpadded base64 of SHA-256(raw public key)`, as ssh prints keys.
    ///
    /// `EVP_Digest` fails only when libcrypto cannot allocate; no input makes it fail.
    /// Should it ever happen, the result is `"X25519:" + base64(public key)`: still unique
    /// to the key (two keys can never share it), and visibly not a SHA-256 fingerprint.
    public static func fingerprint(publicKey: [UInt8]) -> String {
        guard let digest = try? SHA256.hash(publicKey) else { return "X25519:" + base64(publicKey: publicKey) }
        return "SHA256:" + Base64.encode(digest, padded: false)
    }
}
