/// Seals a password to a worker host for one job (DESIGN §6, in flight), so that Redis
/// only ever carries ciphertext and only that host can read it, only for that job.
///
/// Wire format of `password_sealed` (specified for the Python worker in docs/crypto.md):
/// standard base64 of `ephemeral_public(32) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`, where
/// `shared = X25519(ephemeral_private, host_public)` (all-zero refused),
/// `key = HKDF-SHA256(ikm: shared, salt: ephemeral_public ‖ host_public,
/// info: "klaro-seal-v1", length: 32)`, and AES-256-GCM uses that key, a random nonce
/// and the UTF-8 job id as additional data.
public enum HostSeal {
    /// HKDF `info`, naming the scheme and its version.
    public static let info = Array("klaro-seal-v1".utf8)
    static let ephemeralKeyByteCount = X25519.keyByteCount
    static let minimumSealedByteCount = ephemeralKeyByteCount + AESGCM.nonceByteCount + AESGCM.tagByteCount

    /// Seals `plaintext` to the host whose raw X25519 public key is `hostPublicKey`,
    /// bound to `jobID`, with a fresh ephemeral key and nonce each time.
    /// - Throws: ``HostSealError`` — wrong key length, a low-order host key, or OpenSSL failure.
    public static func seal(
        _ plaintext: String, toHostPublicKey hostPublicKey: [UInt8], jobID: String
    ) throws(HostSealError) -> String {
        try HostSealer(hostPublicKey: hostPublicKey).seal(plaintext, jobID: jobID)
    }

    /// Opens `sealed` with the host's raw X25519 private key, for `jobID`.
    /// - Throws: ``HostSealError`` — malformed text, wrong key length, or failed
    ///   authentication (another host key, another job id, altered bytes).
    public static func open(_ sealed: String, privateKey: [UInt8], jobID: String) throws(HostSealError) -> String {
        guard privateKey.count == X25519.keyByteCount else { throw .invalidPrivateKeyLength(privateKey.count) }
        guard let payload = Base64.decode(sealed.trimmingWhitespace()) else {
            throw .malformedSealedText(reason: "it is not standard padded base64")
        }
        guard payload.count >= minimumSealedByteCount else {
            throw .malformedSealedText(
                reason: "it is \(payload.count) bytes, shorter than ephemeral key, nonce and tag "
                    + "(\(minimumSealedByteCount)); truncated?")
        }
        let ephemeralPublic = Array(payload.prefix(ephemeralKeyByteCount))
        let nonce = Array(payload.dropFirst(ephemeralKeyByteCount).prefix(AESGCM.nonceByteCount))
        let ciphertext = Array(payload.dropFirst(ephemeralKeyByteCount + AESGCM.nonceByteCount)
            .dropLast(AESGCM.tagByteCount))
        let tag = Array(payload.suffix(AESGCM.tagByteCount))
        var plaintext: [UInt8]
        do {
            let host = SecretBytes(copying: privateKey)
            let hostPublic = try X25519.publicKey(forPrivateKey: host)
            let shared = try X25519.sharedSecret(privateKey: host, peerPublicKey: ephemeralPublic)
            let key = try messageKey(shared: shared, ephemeralPublic: ephemeralPublic, hostPublic: hostPublic)
            plaintext = try AESGCM.open(
                ciphertext: ciphertext, tag: tag, key: key, nonce: nonce, additionalData: Array(jobID.utf8))
        } catch .degenerateSharedSecret {
            // A low-order ephemeral key can only come from a forged message.
            throw .authenticationFailed
        } catch {
            throw HostSealError(error)
        }
        defer { wipe(&plaintext) }
        guard let text = String(validating: plaintext, as: UTF8.self) else { throw .invalidPlaintext }
        return text
    }

    /// `seal` with a chosen ephemeral key and nonce; the published test vector is produced
    /// through it.
    static func seal(
        _ plaintext: String,
        toHostPublicKey hostPublicKey: [UInt8],
        jobID: String,
        ephemeral: X25519KeyPair,
        nonce: [UInt8]
    ) throws(HostSealError) -> String {
        try HostSealer(hostPublicKey: hostPublicKey, ephemeral: ephemeral).seal(plaintext, jobID: jobID, nonce: nonce)
    }

    /// HKDF-SHA256(shared, salt: ephemeral_public ‖ host_public, info: "klaro-seal-v1", 32).
    static func messageKey(
        shared: SecretBytes, ephemeralPublic: [UInt8], hostPublic: [UInt8]
    ) throws(CryptoPrimitiveError) -> SecretBytes {
        try HKDF.sha256(
            inputKeyMaterial: shared, salt: ephemeralPublic + hostPublic, info: info,
            outputByteCount: AESGCM.keyByteCount)
    }
}
