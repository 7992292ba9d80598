import COpenSSL

/// HKDF-SHA256 (RFC 5869, extract then expand) over `EVP_PKEY_HKDF`.
enum HKDF {
    /// RFC 5869 caps the output at 255 hash lengths.
    static let maximumOutputByteCount = 255 * 32

    /// Derives `outputByteCount` bytes. An empty `salt` means the RFC's default (a
    /// hash-length string of zeros, which is what OpenSSL uses when no salt is set).
    static func sha256(
        inputKeyMaterial: SecretBytes,
        salt: [UInt8],
        info: [UInt8],
        outputByteCount: Int
    ) throws(CryptoPrimitiveError) -> SecretBytes {
        guard (1...maximumOutputByteCount).contains(outputByteCount) else {
            throw .invalidLength(what: "HKDF output", expected: "1...\(maximumOutputByteCount)", actual: outputByteCount)
        }
        // EVP takes `int` lengths, and OpenSSL caps the info buffer at 1024 bytes.
        guard (1..<Int(Int32.max)).contains(inputKeyMaterial.count) else {
            throw .invalidLength(what: "HKDF input key material", expected: "at least 1", actual: inputKeyMaterial.count)
        }
        guard salt.count < Int(Int32.max) else {
            throw .invalidLength(what: "HKDF salt", expected: "under 2 GiB", actual: salt.count)
        }
        guard info.count <= 1024 else {
            throw .invalidLength(what: "HKDF info", expected: "at most 1024", actual: info.count)
        }
        return try EVPHandles.withKeyContext(algorithm: KLARO_EVP_PKEY_HKDF) { (context) throws(CryptoPrimitiveError) in
            try requireSuccess(EVP_PKEY_derive_init(context), "EVP_PKEY_derive_init(HKDF)")
            try requireSuccess(EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()), "EVP_PKEY_CTX_set_hkdf_md")
            try requireSuccess(
                inputKeyMaterial.withUnsafeBytes { ikm in
                    EVP_PKEY_CTX_set1_hkdf_key(
                        context, ikm.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(ikm.count))
                },
                "EVP_PKEY_CTX_set1_hkdf_key")
            if !salt.isEmpty {
                try requireSuccess(
                    salt.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_salt(context, $0.baseAddress, Int32($0.count)) },
                    "EVP_PKEY_CTX_set1_hkdf_salt")
            }
            if !info.isEmpty {
                try requireSuccess(
                    info.withUnsafeBufferPointer { EVP_PKEY_CTX_add1_hkdf_info(context, $0.baseAddress, Int32($0.count)) },
                    "EVP_PKEY_CTX_add1_hkdf_info")
            }
            return try SecretBytes(count: outputByteCount) { (output) throws(CryptoPrimitiveError) in
                var length = outputByteCount
                try requireSuccess(
                    EVP_PKEY_derive(context, output.baseAddress?.assumingMemoryBound(to: UInt8.self), &length),
                    "EVP_PKEY_derive(HKDF)")
                guard length == outputByteCount else {
                    throw .invalidLength(what: "HKDF output", expected: "\(outputByteCount)", actual: length)
                }
            }
        }
    }
}
