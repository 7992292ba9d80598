import KlaroCore

/// Seals many passwords to one host with a single ephemeral key: the X25519 agreement and
/// HKDF run once, then each message costs one AES-256-GCM with a fresh random nonce and its
/// own job's fields (``SealBinding``) as additional data.
///
/// ``HostSeal/seal(_:toHostPublicKey:binding:)`` is a sealer used once, so both write the same
/// wire format (each message carries the ephemeral public key) and a worker opens them the same
/// way. Sharing an ephemeral key between messages to one host is safe for AES-GCM as long as
/// nonces never repeat; they are random 96-bit values and a sealer serves at most 4,096
/// messages over 60 s (``HostSealerCache``), far below the 2³² messages per key that random
/// nonces allow.
public struct HostSealer: Sendable {
    private let ephemeralPublic: [UInt8]
    private let key: SecretBytes
    private let version: SealVersion

    /// Prepares a sealer for the host whose raw X25519 public key is `hostPublicKey`.
    public init(hostPublicKey: [UInt8]) throws(HostSealError) {
        let secret: SecretBytes
        do {
            secret = try SecretBytes.random(count: X25519.keyByteCount)
        } catch {
            throw HostSealError(error)
        }
        try self.init(hostPublicKey: hostPublicKey, version: .v2, ephemeral: X25519KeyPair(secret: secret))
    }

    /// A sealer with a chosen version and ephemeral key (for the published test vectors).
    init(hostPublicKey: [UInt8], version: SealVersion, ephemeral: X25519KeyPair) throws(HostSealError) {
        guard hostPublicKey.count == X25519.keyByteCount else { throw .invalidPublicKeyLength(hostPublicKey.count) }
        do {
            let shared = try X25519.sharedSecret(privateKey: ephemeral.secret, peerPublicKey: hostPublicKey)
            key = try HostSeal.messageKey(
                shared: shared, ephemeralPublic: ephemeral.publicKey, hostPublic: hostPublicKey, version: version)
            ephemeralPublic = ephemeral.publicKey
            self.version = version
        } catch {
            throw HostSealError(error)
        }
    }

    /// Seals `plaintext` for the job `binding` describes, with a fresh random nonce.
    public func seal(_ plaintext: String, binding: SealBinding) throws(HostSealError) -> String {
        let nonce: [UInt8]
        do {
            nonce = try SecureRandom.bytes(count: AESGCM.nonceByteCount)
        } catch {
            throw HostSealError(error)
        }
        return try seal(plaintext, binding: binding, nonce: nonce)
    }

    /// Seals with a chosen nonce: prefix + `base64(ephemeral_public ‖ nonce ‖ ciphertext ‖ tag)`.
    func seal(_ plaintext: String, binding: SealBinding, nonce: [UInt8]) throws(HostSealError) -> String {
        var message = Array(plaintext.utf8)
        defer { wipe(&message) }
        do {
            let (ciphertext, tag) = try AESGCM.seal(
                message, key: key, nonce: nonce, additionalData: binding.additionalData(version))
            return version.prefix + Base64.encode(ephemeralPublic + nonce + ciphertext + tag)
        } catch {
            throw HostSealError(error)
        }
    }
}
