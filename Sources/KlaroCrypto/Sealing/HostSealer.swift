/// Seals many passwords to one host with a single ephemeral key: the X25519 agreement and
/// HKDF run once, then each message costs one AES-256-GCM with a fresh random nonce and its
/// own job id as additional data.
///
/// The output is the same wire format as ``HostSeal/seal(_:toHostPublicKey:jobID:)`` (each
/// message carries the ephemeral public key), so a worker opens it the same way. Sharing an
/// ephemeral key between messages to one host is safe for AES-GCM as long as nonces never
/// repeat; they are random 96-bit values and a sealer lives for one scheduler tick (a handful
/// of messages), far below the 2³² messages per key that random nonces allow.
public struct HostSealer: Sendable {
    private let ephemeralPublic: [UInt8]
    private let key: SecretBytes

    /// Prepares a sealer for the host whose raw X25519 public key is `hostPublicKey`.
    public init(hostPublicKey: [UInt8]) throws(HostSealError) {
        guard hostPublicKey.count == X25519.keyByteCount else { throw .invalidPublicKeyLength(hostPublicKey.count) }
        let ephemeral: X25519KeyPair
        do {
            ephemeral = try X25519KeyPair(secret: SecretBytes.random(count: X25519.keyByteCount))
        } catch let error as HostSealError {
            throw error
        } catch {
            throw .cryptoFailure(reason: String(describing: error))
        }
        do {
            let shared = try X25519.sharedSecret(privateKey: ephemeral.secret, peerPublicKey: hostPublicKey)
            key = try HostSeal.messageKey(shared: shared, ephemeralPublic: ephemeral.publicKey, hostPublic: hostPublicKey)
            ephemeralPublic = ephemeral.publicKey
        } catch {
            throw HostSealError(error)
        }
    }

    /// Seals `plaintext` for `jobID`.
    public func seal(_ plaintext: String, jobID: String) throws(HostSealError) -> String {
        var message = Array(plaintext.utf8)
        defer { wipe(&message) }
        do {
            let nonce = try SecureRandom.bytes(count: AESGCM.nonceByteCount)
            let (ciphertext, tag) = try AESGCM.seal(message, key: key, nonce: nonce, additionalData: Array(jobID.utf8))
            return Base64.encode(ephemeralPublic + nonce + ciphertext + tag)
        } catch {
            throw HostSealError(error)
        }
    }
}
