import COpenSSL

/// The OpenSSL CSPRNG (`RAND_bytes`).
enum SecureRandom {
    /// Fills `buffer` with random bytes.
    static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws(CryptoPrimitiveError) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard buffer.count <= Int(Int32.max) else {
            throw .invalidLength(what: "random request", expected: "at most \(Int32.max)", actual: buffer.count)
        }
        try requireSuccess(
            RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)),
            "RAND_bytes"
        )
    }

    /// `count` random bytes as a plain array (for nonces, which are not secret).
    static func bytes(count: Int) throws(CryptoPrimitiveError) -> [UInt8] {
        // Array.withUnsafeMutableBytes only rethrows untyped errors, so fill a secret
        // buffer and copy it out.
        try SecretBytes.random(count: count).bytes
    }
}
