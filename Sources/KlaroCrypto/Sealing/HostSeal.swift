import KlaroCore

/// Seals a password to a worker host for one job (DESIGN §6, in flight), so that Redis
/// only ever carries ciphertext and only that host can read it, only for that job.
///
/// Wire format of `password_sealed` v2 (specified for the Python worker in docs/crypto.md):
/// `"v2:"` + standard base64 of `ephemeral_public(32) ‖ nonce(12) ‖ ciphertext ‖ tag(16)`,
/// where `shared = X25519(ephemeral_private, host_public)` (all-zero refused),
/// `key = HKDF-SHA256(ikm: shared, salt: ephemeral_public ‖ host_public,
/// info: "klaro-seal-v2", length: 32)`, and AES-256-GCM uses that key, a random nonce and
/// ``SealBinding/additionalData(_:)`` (job id, account id, login, server). v1 (no prefix,
/// info `klaro-seal-v1`, the job id alone as additional data) is opened only when asked for.
public enum HostSeal {
    static let ephemeralKeyByteCount = X25519.keyByteCount
    static let minimumSealedByteCount = ephemeralKeyByteCount + AESGCM.nonceByteCount + AESGCM.tagByteCount

    /// Seals `plaintext` to the host whose raw X25519 public key is `hostPublicKey`, bound to
    /// the job's fields, with a fresh ephemeral key and nonce each time (seal v2).
    /// - Throws: ``HostSealError`` — wrong key length, a low-order host key, or OpenSSL failure.
    public static func seal(
        _ plaintext: String, toHostPublicKey hostPublicKey: [UInt8], binding: SealBinding
    ) throws(HostSealError) -> String {
        try HostSealer(hostPublicKey: hostPublicKey).seal(plaintext, binding: binding)
    }

    /// Opens `sealed` with the host's raw X25519 private key, for the job `binding` describes.
    /// - Parameters:
    ///   - accepting: the versions to open; v1 (bound to the job id alone) only when listed.
    /// - Throws: ``HostSealError`` — a version not accepted, malformed text, wrong key length,
    ///   or failed authentication (another host key, other job fields, altered bytes).
    public static func open(
        _ sealed: String, privateKey: [UInt8], binding: SealBinding, accepting: Set<SealVersion> = [.v2]
    ) throws(HostSealError) -> String {
        guard privateKey.count == X25519.keyByteCount else { throw .invalidPrivateKeyLength(privateKey.count) }
        let (version, body) = try split(String(sealed.trimmingWhitespace()))
        guard accepting.contains(version) else { throw .versionRefused(version.rawValue) }
        guard let payload = Base64.decode(body) else {
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
            let key = try messageKey(shared: shared, ephemeralPublic: ephemeralPublic, hostPublic: hostPublic, version: version)
            plaintext = try AESGCM.open(
                ciphertext: ciphertext, tag: tag, key: key, nonce: nonce, additionalData: binding.additionalData(version))
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

    /// The version a sealed text names and its base64 part: `vN:` + base64, or base64 alone
    /// for v1 (base64 never contains `:`).
    static func split(_ text: String) throws(HostSealError) -> (SealVersion, Substring) {
        guard let colon = text.firstIndex(of: ":") else { return (.v1, Substring(text)) }
        let name = text[..<colon]
        guard name.first == "v", let number = Int(name.dropFirst()), name.count <= 4 else {
            throw .malformedSealedText(reason: "it names no version before ':' (expected v2:)")
        }
        guard let version = SealVersion(rawValue: number), version != .v1 else { throw .versionRefused(number) }
        return (version, text[text.index(after: colon)...])
    }

    /// `seal` with a chosen ephemeral key, nonce and version; the published test vectors are
    /// produced through it.
    static func seal(
        _ plaintext: String,
        toHostPublicKey hostPublicKey: [UInt8],
        binding: SealBinding,
        version: SealVersion,
        ephemeral: X25519KeyPair,
        nonce: [UInt8]
    ) throws(HostSealError) -> String {
        try HostSealer(hostPublicKey: hostPublicKey, version: version, ephemeral: ephemeral)
            .seal(plaintext, binding: binding, nonce: nonce)
    }

    /// HKDF-SHA256(shared, salt: ephemeral_public ‖ host_public, info: "klaro-seal-vN", 32).
    static func messageKey(
        shared: SecretBytes, ephemeralPublic: [UInt8], hostPublic: [UInt8], version: SealVersion
    ) throws(CryptoPrimitiveError) -> SecretBytes {
        try HKDF.sha256(
            inputKeyMaterial: shared, salt: ephemeralPublic + hostPublic, info: version.info,
            outputByteCount: AESGCM.keyByteCount)
    }
}
