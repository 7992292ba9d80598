import COpenSSL

/// AES-256-GCM with a 96-bit nonce and a 128-bit tag, over `EVP_aes_256_gcm`.
enum AESGCM {
    static let keyByteCount = 32
    static let nonceByteCount = 12
    static let tagByteCount = 16

    /// Encrypts `plaintext`, authenticating it together with `additionalData`.
    static func seal(
        _ plaintext: [UInt8],
        key: SecretBytes,
        nonce: [UInt8],
        additionalData: [UInt8]
    ) throws(CryptoPrimitiveError) -> (ciphertext: [UInt8], tag: [UInt8]) {
        try checkLengths(key: key, nonce: nonce, inputCount: plaintext.count + additionalData.count)
        return try EVPHandles.withCipherContext { (context) throws(CryptoPrimitiveError) in
            try requireSuccess(
                EVP_EncryptInit_ex(context, EVPHandles.aes256GCMCipher, nil, nil, nil), "EVP_EncryptInit_ex(cipher)")
            try requireSuccess(
                key.withUnsafeBytes { keyBytes in
                    nonce.withUnsafeBufferPointer { nonceBytes in
                        EVP_EncryptInit_ex(
                            context, nil, nil,
                            keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonceBytes.baseAddress)
                    }
                },
                "EVP_EncryptInit_ex(key)")
            try update(context, additionalData: additionalData, using: EVP_EncryptUpdate)
            // GCM is a stream mode: output length equals input length; one spare block
            // keeps EVP_EncryptFinal_ex's pointer valid even for an empty message.
            var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
            var written: Int32 = 0
            var finalWritten: Int32 = 0
            try requireSuccess(
                ciphertext.withUnsafeMutableBufferPointer { output in
                    plaintext.withUnsafeBufferPointer { input in
                        guard !input.isEmpty else { return 1 }
                        return EVP_EncryptUpdate(
                            context, output.baseAddress, &written, input.baseAddress, Int32(input.count))
                    }
                },
                "EVP_EncryptUpdate")
            try requireSuccess(
                ciphertext.withUnsafeMutableBufferPointer { output in
                    EVP_EncryptFinal_ex(context, output.baseAddress! + Int(written), &finalWritten)
                },
                "EVP_EncryptFinal_ex")
            ciphertext.removeSubrange(Int(written + finalWritten)...)
            var tag = [UInt8](repeating: 0, count: tagByteCount)
            try requireSuccess(
                tag.withUnsafeMutableBytes { output in
                    EVP_CIPHER_CTX_ctrl(context, KLARO_EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), output.baseAddress)
                },
                "EVP_CIPHER_CTX_ctrl(GET_TAG)")
            return (ciphertext, tag)
        }
    }

    /// Decrypts and verifies; throws `.authenticationFailed` (and releases no plaintext)
    /// when the tag does not match.
    static func open(
        ciphertext: [UInt8],
        tag: [UInt8],
        key: SecretBytes,
        nonce: [UInt8],
        additionalData: [UInt8]
    ) throws(CryptoPrimitiveError) -> [UInt8] {
        try checkLengths(key: key, nonce: nonce, inputCount: ciphertext.count + additionalData.count)
        guard tag.count == tagByteCount else {
            throw .invalidLength(what: "AES-GCM tag", expected: "\(tagByteCount)", actual: tag.count)
        }
        return try EVPHandles.withCipherContext { (context) throws(CryptoPrimitiveError) in
            try requireSuccess(
                EVP_DecryptInit_ex(context, EVPHandles.aes256GCMCipher, nil, nil, nil), "EVP_DecryptInit_ex(cipher)")
            try requireSuccess(
                key.withUnsafeBytes { keyBytes in
                    nonce.withUnsafeBufferPointer { nonceBytes in
                        EVP_DecryptInit_ex(
                            context, nil, nil,
                            keyBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nonceBytes.baseAddress)
                    }
                },
                "EVP_DecryptInit_ex(key)")
            try update(context, additionalData: additionalData, using: EVP_DecryptUpdate)
            var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
            var written: Int32 = 0
            var finalWritten: Int32 = 0
            let updated = plaintext.withUnsafeMutableBufferPointer { output in
                ciphertext.withUnsafeBufferPointer { input in
                    guard !input.isEmpty else { return Int32(1) }
                    return EVP_DecryptUpdate(
                        context, output.baseAddress, &written, input.baseAddress, Int32(input.count))
                }
            }
            guard updated == 1 else {
                wipe(&plaintext)
                throw CryptoPrimitiveError.library("EVP_DecryptUpdate")
            }
            var expectedTag = tag
            let tagSet = expectedTag.withUnsafeMutableBytes { tagBytes in
                EVP_CIPHER_CTX_ctrl(context, KLARO_EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), tagBytes.baseAddress)
            }
            guard tagSet == 1 else {
                wipe(&plaintext)
                throw CryptoPrimitiveError.library("EVP_CIPHER_CTX_ctrl(SET_TAG)")
            }
            let verified = plaintext.withUnsafeMutableBufferPointer { output in
                EVP_DecryptFinal_ex(context, output.baseAddress! + Int(written), &finalWritten)
            }
            guard verified == 1 else {
                // A tag mismatch is the only way Final fails once the context is set up;
                // the error queue holds nothing useful, so clear it.
                wipe(&plaintext)
                ERR_clear_error()
                throw CryptoPrimitiveError.authenticationFailed
            }
            plaintext.removeSubrange(Int(written + finalWritten)...)
            return plaintext
        }
    }

    private typealias UpdateFunction = (
        OpaquePointer?, UnsafeMutablePointer<UInt8>?, UnsafeMutablePointer<Int32>?, UnsafePointer<UInt8>?, Int32
    ) -> Int32

    /// Feeds additional (authenticated, unencrypted) data; GCM takes it before the message.
    private static func update(
        _ context: OpaquePointer,
        additionalData: [UInt8],
        using function: UpdateFunction
    ) throws(CryptoPrimitiveError) {
        guard !additionalData.isEmpty else { return }
        var ignored: Int32 = 0
        try requireSuccess(
            additionalData.withUnsafeBufferPointer { input in
                function(context, nil, &ignored, input.baseAddress, Int32(input.count))
            },
            "EVP_CipherUpdate(additional data)")
    }

    private static func checkLengths(
        key: SecretBytes, nonce: [UInt8], inputCount: Int
    ) throws(CryptoPrimitiveError) {
        guard key.count == keyByteCount else {
            throw .invalidLength(what: "AES-256 key", expected: "\(keyByteCount)", actual: key.count)
        }
        guard nonce.count == nonceByteCount else {
            throw .invalidLength(what: "AES-GCM nonce", expected: "\(nonceByteCount)", actual: nonce.count)
        }
        // EVP takes `int` lengths; passwords are tiny, so this only stops absurd input.
        guard inputCount < Int(Int32.max) - 64 else {
            throw .invalidLength(what: "AES-GCM input", expected: "under 2 GiB", actual: inputCount)
        }
    }
}
