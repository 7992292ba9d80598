/// Seals many passwords to one host with a single ephemeral key: the X25519 agreement and
/// HKDF run once, then each message costs one AES-256-GCM with a fresh random nonce and its
/// own job id as additional data.
///
/// ``HostSeal/seal(_:toHostPublicKey:jobID:)`` is a sealer used once, so both write the same
/// wire format (each message carries the ephemeral public key) and a worker opens them the same
/// way. Sharing an ephemeral key between messages to one host is safe for AES-GCM as long as
/// nonces never repeat; they are random 96-bit values and a sealer lives for one scheduler tick
/// (a handful of messages), far below the 2³² messages per key that random nonces allow.
public struct HostSealer: Sendable {
    private let ephemeralPublic: [UInt8]
    private let key: SecretBytes

    /// Prepares a sealer for the host whose raw X25519 public key is `hostPublicKey`.
    public init(hostPublicKey: [UInt8]) throws(HostSealError) {
        let secret: SecretBytes
        do {
            secret = try SecretBytes.random(count: X25519.keyByteCount)
        } catch {
            throw HostSealError(error)
        }
        try self.init(hostPublicKey: hostPublicKey, ephemeral: X25519KeyPair(secret: secret))
    }

    /// A sealer with a chosen ephemeral key (for the published test vector).
    init(hostPublicKey: [UInt8], ephemeral: X25519KeyPair) throws(HostSealError) {
        guard hostPublicKey.count == X25519.keyByteCount else { throw .invalidPublicKeyLength(hostPublicKey.count) }
        do {
            let shared = try X25519.sharedSecret(privateKey: ephemeral.secret, peerPublicKey: hostPublicKey)
            key = try HostSeal.messageKey(shared: shared, ephemeralPublic: ephemeral.publicKey, hostPublic: hostPublicKey)
            ephemeralPublic = ephemeral.publicKey
        } catch {
            throw HostSealError(error)
        }
    }

    /// Seals `plaintext` for `jobID`, with a fresh random nonce.
    public func seal(_ plaintext: String, jobID: String) throws(HostSealError) -> String {
        let nonce: [UInt8]
        do {
            nonce = try SecureRandom.bytes(count: AESGCM.nonceByteCount)
        } catch {
            throw HostSealError(error)
        }
        return try seal(plaintext, jobID: jobID, nonce: nonce)
    }

    /// Seals with a chosen nonce: `base64(ephemeral_public ‖ nonce ‖ ciphertext ‖ tag)`.
    func seal(_ plaintext: String, jobID: String, nonce: [UInt8]) throws(HostSealError) -> String {
        var message = Array(plaintext.utf8)
        defer { wipe(&message) }
        do {
            let (ciphertext, tag) = try AESGCM.seal(message, key: key, nonce: nonce, additionalData: Array(jobID.utf8))
            return Base64.encode(ephemeralPublic + nonce + ciphertext + tag)
        } catch {
            throw HostSealError(error)
        }
    }
}
