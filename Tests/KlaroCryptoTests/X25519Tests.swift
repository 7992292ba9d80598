import Testing
@testable import KlaroCrypto

@Suite("X25519 (RFC 7748)")
struct X25519Tests {
    /// RFC 7748 §5.2 scalar-multiplication vectors (the second has the u top bit set).
    @Test("§5.2 scalar multiplication", arguments: [
        (
            "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4",
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
            "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
        ),
        (
            "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d",
            "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
            "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"
        ),
    ])
    func scalarMultiplication(scalar: String, u: String, expected: String) throws {
        let output = try X25519.sharedSecret(privateKey: SecretBytes(copying: bytes(hex: scalar)), peerPublicKey: bytes(hex: u))
        #expect(hex(output) == expected)
    }

    /// RFC 7748 §5.2 iterated vector: k = u = 9, then k, u = X25519(k, u), k.
    @Test("§5.2 iterated, after 1 and 1,000 iterations")
    func iterated() throws {
        var k = bytes(hex: "0900000000000000000000000000000000000000000000000000000000000000")
        var u = k
        for iteration in 1...1000 {
            let next = try X25519.sharedSecret(privateKey: SecretBytes(copying: k), peerPublicKey: u).bytes
            (k, u) = (next, k)
            if iteration == 1 {
                #expect(hex(k) == "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079")
            }
        }
        #expect(hex(k) == "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51")
    }

    /// RFC 7748 §6.1 Diffie–Hellman between Alice and Bob.
    @Test("§6.1 Alice and Bob derive the same published secret")
    func aliceAndBob() throws {
        let alice = try X25519KeyPair(privateKey: bytes(hex: "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
        let bob = try X25519KeyPair(privateKey: bytes(hex: "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"))
        #expect(hex(alice.publicKey) == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
        #expect(hex(bob.publicKey) == "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        let shared = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"
        #expect(hex(try X25519.sharedSecret(privateKey: alice.secret, peerPublicKey: bob.publicKey)) == shared)
        #expect(hex(try X25519.sharedSecret(privateKey: bob.secret, peerPublicKey: alice.publicKey)) == shared)
    }

    /// Low-order points give the all-zero secret for every scalar (list from
    /// Bernstein's Curve25519 page / libsodium's blocklist).
    @Test("low-order peer keys are refused", arguments: [
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    ])
    func lowOrderPoints(point: String) throws {
        let pair = try X25519KeyPair.generate()
        #expect(throws: CryptoPrimitiveError.degenerateSharedSecret) {
            try X25519.sharedSecret(privateKey: pair.secret, peerPublicKey: bytes(hex: point))
        }
    }
}
