import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A public key that checks JWS signatures (ES256 or RS256), imported from a JWK's fields.
///
/// The `EVP_PKEY` is immutable once made and OpenSSL allows concurrent verifications with
/// it (each gets its own `EVP_MD_CTX`), so the class is shared between tasks.
public final class JWSPublicKey: @unchecked Sendable {
    public let algorithm: JWSAlgorithm
    let key: OpaquePointer

    init(algorithm: JWSAlgorithm, key: OpaquePointer) {
        self.algorithm = algorithm
        self.key = key
    }

    deinit { EVP_PKEY_free(key) }

    /// A P-256 key from a JWK's `x` and `y` (32 bytes each).
    public convenience init(p256X x: [UInt8], y: [UInt8]) throws(JWSKeyError) {
        guard x.count == 32, y.count == 32 else { throw JWSKeyError(reason: "an EC P-256 key needs 32-byte x and y") }
        var point = [UInt8(4)] + x + y
        var group = Array("prime256v1".utf8CString)
        // OSSL_PARAM keeps the key name's pointer: it must outlive the call, unlike a bridged String.
        let names = CNames(["group", "pub"])
        defer { names.free() }
        let made = point.withUnsafeMutableBytes { pointBytes in
            group.withUnsafeMutableBufferPointer { groupName in
                Self.fromData(type: "EC", [
                    OSSL_PARAM_construct_utf8_string(names[0], groupName.baseAddress, 0),
                    OSSL_PARAM_construct_octet_string(names[1], pointBytes.baseAddress, pointBytes.count),
                    OSSL_PARAM_construct_end(),
                ])
            }
        }
        self.init(algorithm: .es256, key: try made.get())
    }

    /// An RSA key from a JWK's `n` and `e` (big-endian); at least 2048 bits.
    public convenience init(rsaModulus n: [UInt8], exponent e: [UInt8]) throws(JWSKeyError) {
        let modulus = Array(n.drop { $0 == 0 })
        guard modulus.count >= 256, modulus.count <= 1024 else {
            throw JWSKeyError(reason: "an RSA key must have 2048 to 8192 bits")
        }
        guard !e.isEmpty, e.count <= 8 else { throw JWSKeyError(reason: "the RSA exponent is malformed") }
        // OSSL_PARAM integers are in native (little-endian here) byte order.
        var nativeN = Array(modulus.reversed())
        var nativeE = Array(e.reversed())
        let names = CNames(["n", "e"])
        defer { names.free() }
        let made = nativeN.withUnsafeMutableBytes { nBytes in
            nativeE.withUnsafeMutableBytes { eBytes in
                Self.fromData(type: "RSA", [
                    OSSL_PARAM_construct_BN(names[0], nBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), nBytes.count),
                    OSSL_PARAM_construct_BN(names[1], eBytes.baseAddress?.assumingMemoryBound(to: UInt8.self), eBytes.count),
                    OSSL_PARAM_construct_end(),
                ])
            }
        }
        self.init(algorithm: .rs256, key: try made.get())
    }

    private static func fromData(type: String, _ params: [OSSL_PARAM]) -> Result<OpaquePointer, JWSKeyError> {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, type, nil) else {
            return .failure(JWSKeyError(reason: "EVP_PKEY_CTX_new_from_name(\(type)) failed: \(drainOpenSSLErrorQueue())"))
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        var params = params
        let status = params.withUnsafeMutableBufferPointer { buffer in
            EVP_PKEY_fromdata_init(context) == 1
                ? EVP_PKEY_fromdata(context, &key, KLARO_EVP_PKEY_PUBLIC_KEY, buffer.baseAddress) : 0
        }
        guard status == 1, let key else {
            return .failure(JWSKeyError(reason: "the \(type) public key is not valid: \(drainOpenSSLErrorQueue())"))
        }
        return .success(key)
    }

    /// Whether `signature` (in JWS form) signs `message` under this key.
    public func verify(signature: [UInt8], message: [UInt8]) -> Bool {
        let encoded: [UInt8]
        switch algorithm {
        case .es256:
            guard let der = ECDSASignature.der(fromRaw: signature) else { return false }
            encoded = der
        case .rs256:
            encoded = signature
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let ok = EVP_DigestVerifyInit(context, nil, EVP_sha256(), nil, key) == 1
            && EVP_DigestVerify(context, encoded, encoded.count, message, message.count) == 1
        if !ok { _ = drainOpenSSLErrorQueue() }
        return ok
    }
}

/// C strings that stay valid until ``free()``, for OSSL_PARAM keys.
private struct CNames {
    let pointers: [UnsafeMutablePointer<CChar>]

    init(_ names: [String]) {
        pointers = names.map { strdup($0)! }
    }

    subscript(index: Int) -> UnsafeMutablePointer<CChar> { pointers[index] }

    func free() {
        pointers.forEach { Glibc.free($0) }
    }
}
