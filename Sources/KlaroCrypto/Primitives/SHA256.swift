import COpenSSL

/// SHA-256 over the one-shot `EVP_Digest`.
enum SHA256 {
    static let digestByteCount = 32

    static func hash(_ data: [UInt8]) throws(CryptoPrimitiveError) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: digestByteCount)
        var length: UInt32 = 0
        try requireSuccess(
            digest.withUnsafeMutableBufferPointer { output in
                data.withUnsafeBytes { input in
                    EVP_Digest(input.baseAddress, input.count, output.baseAddress, &length, EVP_sha256(), nil)
                }
            },
            "EVP_Digest(SHA-256)")
        guard length == UInt32(digestByteCount) else {
            throw .invalidLength(what: "SHA-256 digest", expected: "32", actual: Int(length))
        }
        return digest
    }
}
