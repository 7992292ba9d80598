@testable import KlaroCrypto
import Testing

@Suite("JWS keys: ES256 and RS256 through OpenSSL")
struct JWSKeyTests {
    @Test("a signature verifies under the key's public half and not another's", arguments: [JWSAlgorithm.es256, .rs256])
    func signVerify(algorithm: JWSAlgorithm) throws {
        let key = try JWSPrivateKey(generating: algorithm)
        let other = try JWSPrivateKey(generating: algorithm)
        let message = Array("header.payload".utf8)
        let signature = try key.sign(message)
        if algorithm == .es256 { #expect(signature.count == 64) } else { #expect(signature.count == 256) }
        let publicKey = try key.publicKey()
        #expect(publicKey.algorithm == algorithm)
        #expect(publicKey.verify(signature: signature, message: message))
        #expect(!publicKey.verify(signature: signature, message: Array("header.payloaD".utf8)))
        #expect(!(try other.publicKey()).verify(signature: signature, message: message))
        var flipped = signature
        flipped[5] ^= 1
        #expect(!publicKey.verify(signature: flipped, message: message))
        #expect(!publicKey.verify(signature: [], message: message))
    }

    @Test("public keys are rebuilt from a JWK's fields")
    func fromComponents() throws {
        let ec = try JWSPrivateKey(generating: .es256)
        let parts = try ec.publicComponents()
        #expect(parts["x"]?.count == 32 && parts["y"]?.count == 32)
        let rebuilt = try JWSPublicKey(p256X: parts["x"]!, y: parts["y"]!)
        #expect(rebuilt.verify(signature: try ec.sign([1, 2, 3]), message: [1, 2, 3]))

        let rsa = try JWSPrivateKey(generating: .rs256)
        let rsaParts = try rsa.publicComponents()
        #expect(rsaParts["e"] == [1, 0, 1])
        let rsaKey = try JWSPublicKey(rsaModulus: rsaParts["n"]!, exponent: rsaParts["e"]!)
        #expect(rsaKey.verify(signature: try rsa.sign([1, 2, 3]), message: [1, 2, 3]))
    }

    @Test("invalid key material is refused")
    func invalidKeys() {
        #expect(throws: JWSKeyError.self) { try JWSPublicKey(p256X: [UInt8](repeating: 1, count: 32), y: [UInt8](repeating: 2, count: 32)) }
        #expect(throws: JWSKeyError.self) { try JWSPublicKey(p256X: [1], y: [2]) }
        #expect(throws: JWSKeyError.self) { try JWSPublicKey(rsaModulus: [UInt8](repeating: 0xff, count: 128), exponent: [1, 0, 1]) }
    }

    @Test("ECDSA signatures convert between r ‖ s and DER")
    func ecdsaConversion() {
        var raw = [UInt8](repeating: 0, count: 64)
        raw[0] = 0x80; raw[31] = 1; raw[32] = 0; raw[33] = 0x7f; raw[63] = 9
        let der = ECDSASignature.der(fromRaw: raw)!
        #expect(der[0] == 0x30 && der[2] == 0x02 && der[3] == 33 && der[4] == 0)
        #expect(ECDSASignature.raw(fromDER: der) == raw)
        #expect(ECDSASignature.der(fromRaw: [1, 2]) == nil)
        #expect(ECDSASignature.raw(fromDER: [0x30, 0x02, 0x02, 0x00]) == nil)
    }
}
