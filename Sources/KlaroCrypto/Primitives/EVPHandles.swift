import COpenSSL

/// Scoped owners of libcrypto handles. Each helper creates one handle, lends it to `body`
/// and frees it on every path (`defer`), so no EVP pointer outlives the call that made it
/// and none is ever shared between threads.
enum EVPHandles {
    /// AES-256-GCM fetched once. OpenSSL 3 looks the algorithm up on every init when given
    /// `EVP_aes_256_gcm()` (an "implicit fetch", a lock and a table search per call); an
    /// explicitly fetched cipher is immutable and safe to share between threads, and makes
    /// sealing a tick's passwords several times faster.
    nonisolated(unsafe) static let aes256GCM: OpaquePointer? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil)

    /// The cipher to initialise AES-256-GCM contexts with.
    static var aes256GCMCipher: OpaquePointer? { aes256GCM ?? EVP_aes_256_gcm() }

    /// A fresh `EVP_CIPHER_CTX` (freeing it also cleanses the expanded key schedule).
    static func withCipherContext<R>(
        _ body: (OpaquePointer) throws(CryptoPrimitiveError) -> R
    ) throws(CryptoPrimitiveError) -> R {
        guard let context = EVP_CIPHER_CTX_new() else { throw CryptoPrimitiveError.library("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        return try body(context)
    }

    /// An `EVP_PKEY` holding a raw X25519 private key.
    static func withX25519PrivateKey<R>(
        _ privateKey: SecretBytes,
        _ body: (OpaquePointer) throws(CryptoPrimitiveError) -> R
    ) throws(CryptoPrimitiveError) -> R {
        guard privateKey.count == X25519.keyByteCount else {
            throw .invalidLength(what: "X25519 private key", expected: "32", actual: privateKey.count)
        }
        let created = privateKey.withUnsafeBytes { raw in
            EVP_PKEY_new_raw_private_key(
                KLARO_EVP_PKEY_X25519, nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard let key = created else { throw CryptoPrimitiveError.library("EVP_PKEY_new_raw_private_key") }
        defer { EVP_PKEY_free(key) }
        return try body(key)
    }

    /// An `EVP_PKEY` holding a raw X25519 public key.
    static func withX25519PublicKey<R>(
        _ publicKey: [UInt8],
        _ body: (OpaquePointer) throws(CryptoPrimitiveError) -> R
    ) throws(CryptoPrimitiveError) -> R {
        guard publicKey.count == X25519.keyByteCount else {
            throw .invalidLength(what: "X25519 public key", expected: "32", actual: publicKey.count)
        }
        let created = publicKey.withUnsafeBufferPointer { raw in
            EVP_PKEY_new_raw_public_key(KLARO_EVP_PKEY_X25519, nil, raw.baseAddress, raw.count)
        }
        guard let key = created else { throw CryptoPrimitiveError.library("EVP_PKEY_new_raw_public_key") }
        defer { EVP_PKEY_free(key) }
        return try body(key)
    }

    /// An `EVP_PKEY_CTX` for operations with `key` (derive).
    static func withKeyContext<R>(
        for key: OpaquePointer,
        _ body: (OpaquePointer) throws(CryptoPrimitiveError) -> R
    ) throws(CryptoPrimitiveError) -> R {
        guard let context = EVP_PKEY_CTX_new(key, nil) else { throw CryptoPrimitiveError.library("EVP_PKEY_CTX_new") }
        defer { EVP_PKEY_CTX_free(context) }
        return try body(context)
    }

    /// An `EVP_PKEY_CTX` for a keyless algorithm such as `EVP_PKEY_HKDF`.
    static func withKeyContext<R>(
        algorithm: Int32,
        _ body: (OpaquePointer) throws(CryptoPrimitiveError) -> R
    ) throws(CryptoPrimitiveError) -> R {
        guard let context = EVP_PKEY_CTX_new_id(algorithm, nil) else {
            throw CryptoPrimitiveError.library("EVP_PKEY_CTX_new_id")
        }
        defer { EVP_PKEY_CTX_free(context) }
        return try body(context)
    }
}
