import COpenSSL

/// X25519 (RFC 7748) over `EVP_PKEY_X25519` raw keys and `EVP_PKEY_derive`.
enum X25519 {
    static let keyByteCount = 32

    /// The public key (u-coordinate of k·9) for a raw private scalar.
    static func publicKey(forPrivateKey privateKey: SecretBytes) throws(CryptoPrimitiveError) -> [UInt8] {
        try EVPHandles.withX25519PrivateKey(privateKey) { (key) throws(CryptoPrimitiveError) in
            var publicKey = [UInt8](repeating: 0, count: keyByteCount)
            var length = keyByteCount
            try requireSuccess(
                publicKey.withUnsafeMutableBufferPointer { output in
                    EVP_PKEY_get_raw_public_key(key, output.baseAddress, &length)
                },
                "EVP_PKEY_get_raw_public_key")
            guard length == keyByteCount else {
                throw .invalidLength(what: "X25519 public key", expected: "32", actual: length)
            }
            return publicKey
        }
    }

    /// X25519(privateKey, peerPublicKey). Throws `.degenerateSharedSecret` for the
    /// all-zero result (a low-order peer key), which OpenSSL already refuses and which
    /// is checked again here so the rule does not depend on the library version.
    static func sharedSecret(
        privateKey: SecretBytes,
        peerPublicKey: [UInt8]
    ) throws(CryptoPrimitiveError) -> SecretBytes {
        try EVPHandles.withX25519PrivateKey(privateKey) { (key) throws(CryptoPrimitiveError) in
            try EVPHandles.withX25519PublicKey(peerPublicKey) { (peer) throws(CryptoPrimitiveError) in
                try EVPHandles.withKeyContext(for: key) { (context) throws(CryptoPrimitiveError) in
                    try requireSuccess(EVP_PKEY_derive_init(context), "EVP_PKEY_derive_init")
                    try requireSuccess(EVP_PKEY_derive_set_peer(context, peer), "EVP_PKEY_derive_set_peer")
                    let secret = try SecretBytes(count: keyByteCount) { (output) throws(CryptoPrimitiveError) in
                        var length = keyByteCount
                        let status = EVP_PKEY_derive(
                            context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
                        // OpenSSL's X25519 derive fails only for the all-zero output.
                        guard status == 1 else {
                            ERR_clear_error()
                            throw .degenerateSharedSecret
                        }
                        guard length == keyByteCount else {
                            throw .invalidLength(what: "X25519 shared secret", expected: "32", actual: length)
                        }
                    }
                    guard !secret.constantTimeEquals(SecretBytes(copying: [UInt8](repeating: 0, count: keyByteCount)))
                    else { throw .degenerateSharedSecret }
                    return secret
                }
            }
        }
    }
}
