/// A worker host's X25519 key pair (raw 32-byte keys, RFC 7748).
///
/// klarod only ever needs host *public* keys; the pair type exists for tests, tools and
/// any Swift-side host. Printing it shows the fingerprint, never the private key.
public struct X25519KeyPair: Sendable {
    /// Raw key length, public and private.
    public static let keyByteCount = 32

    /// The raw 32-byte public key.
    public let publicKey: [UInt8]
    let secret: SecretBytes

    /// A copy of the raw 32-byte private key. Handle it as a secret.
    public var privateKey: [UInt8] { secret.bytes }

    /// The public key as standard padded base64, the form hosts publish.
    public var publicKeyBase64: String { HostKey.base64(publicKey: publicKey) }

    /// `SHA256:…` fingerprint of the public key.
    public var fingerprint: String { HostKey.fingerprint(publicKey: publicKey) }

    /// A new pair from 32 bytes of `RAND_bytes` (X25519 clamps any 32 bytes into a scalar).
    public static func generate() throws(HostSealError) -> X25519KeyPair {
        let secret: SecretBytes
        do {
            secret = try SecretBytes.random(count: keyByteCount)
        } catch {
            throw .cryptoFailure(reason: error.description)
        }
        return try X25519KeyPair(secret: secret)
    }

    /// The pair for an existing raw private key.
    /// - Throws: ``HostSealError/invalidPrivateKeyLength(_:)`` unless it is 32 bytes.
    public init(privateKey: [UInt8]) throws(HostSealError) {
        guard privateKey.count == Self.keyByteCount else { throw .invalidPrivateKeyLength(privateKey.count) }
        try self.init(secret: SecretBytes(copying: privateKey))
    }

    init(secret: SecretBytes) throws(HostSealError) {
        guard secret.count == Self.keyByteCount else { throw .invalidPrivateKeyLength(secret.count) }
        do {
            publicKey = try X25519.publicKey(forPrivateKey: secret)
        } catch {
            throw HostSealError(error)
        }
        self.secret = secret
    }
}

extension X25519KeyPair: CustomStringConvertible, CustomDebugStringConvertible {
    public var description: String { "X25519KeyPair(\(fingerprint))" }
    public var debugDescription: String { description }
}
