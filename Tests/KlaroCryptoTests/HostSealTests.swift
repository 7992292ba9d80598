import Testing
@testable import KlaroCrypto

/// The published host-sealing vector of docs/crypto.md. Host key = RFC 7748 Bob,
/// ephemeral key = RFC 7748 Alice. Produced by `HostSeal.seal(…ephemeral:nonce:)` and
/// checked independently at writing time with Python `cryptography` (X25519PrivateKey,
/// HKDF(SHA256, 32, salt=eph_pub‖host_pub, info=b"klaro-seal-v1"), AESGCM): it both
/// opens the text and re-creates it byte for byte. The Python worker tests the same vector.
enum SealVector {
    static let hostPrivateKey = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
    static let hostPublicKeyBase64 = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
    static let ephemeralPrivateKey = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    static let nonce = "000102030405060708090a0b"
    static let jobID = "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f"
    static let plaintext = "Klaro-Passw0rd! äöü €"
    static let sealed = """
        hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCgsJv6VI1geJMKny3lI/\
        8PXaq64q6u5++Kl9UYuE9b4uqbUNC7v/9piBWho=
        """
}

@Suite("HostSeal")
struct HostSealTests {
    let host: X25519KeyPair
    let jobID = "0b6e2f4c-9d1a-4e3b-8c7d-6a5f4e3d2c1b"

    init() throws {
        host = try X25519KeyPair.generate()
    }

    @Test("the documented vector opens")
    func vectorOpens() throws {
        let opened = try HostSeal.open(SealVector.sealed, privateKey: bytes(hex: SealVector.hostPrivateKey), jobID: SealVector.jobID)
        #expect(opened == SealVector.plaintext)
    }

    @Test("sealing with the vector's ephemeral key and nonce reproduces it byte for byte")
    func vectorSeals() throws {
        let hostKey = try X25519KeyPair(privateKey: bytes(hex: SealVector.hostPrivateKey))
        #expect(hostKey.publicKeyBase64 == SealVector.hostPublicKeyBase64)
        let sealed = try HostSeal.seal(
            SealVector.plaintext, toHostPublicKey: hostKey.publicKey, jobID: SealVector.jobID,
            ephemeral: X25519KeyPair(privateKey: bytes(hex: SealVector.ephemeralPrivateKey)),
            nonce: bytes(hex: SealVector.nonce))
        #expect(sealed == SealVector.sealed)
    }

    @Test("sealed passwords open with the host key and job id", arguments: ["", "a", "hunter2", "pässwörd-Ω €"])
    func roundTrip(password: String) throws {
        let sealed = try HostSeal.seal(password, toHostPublicKey: host.publicKey, jobID: jobID)
        #expect(Base64.decode(sealed)?.count == 32 + 12 + password.utf8.count + 16)
        #expect(try HostSeal.open(sealed, privateKey: host.privateKey, jobID: jobID) == password)
    }

    @Test("two seals of the same text differ in ephemeral key, nonce and ciphertext")
    func freshness() throws {
        let first = try #require(Base64.decode(try HostSeal.seal("same", toHostPublicKey: host.publicKey, jobID: jobID)))
        let second = try #require(Base64.decode(try HostSeal.seal("same", toHostPublicKey: host.publicKey, jobID: jobID)))
        #expect(first.prefix(32) != second.prefix(32))
        #expect(first.dropFirst(32).prefix(12) != second.dropFirst(32).prefix(12))
        #expect(first.dropFirst(44) != second.dropFirst(44))
    }

    @Test("another host's private key cannot open it")
    func otherHost() throws {
        let sealed = try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, jobID: jobID)
        let other = try X25519KeyPair.generate()
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open(sealed, privateKey: other.privateKey, jobID: jobID)
        }
    }

    @Test("a sealed password replayed under another job id does not open")
    func otherJob() throws {
        let sealed = try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, jobID: jobID)
        for otherJobID in ["", jobID.uppercased(), jobID + " ", String(jobID.dropLast())] {
            #expect(throws: HostSealError.authenticationFailed) {
                try HostSeal.open(sealed, privateKey: host.privateKey, jobID: otherJobID)
            }
        }
    }

    @Test("a flipped bit in ephemeral key, nonce, ciphertext or tag is refused")
    func flippedBits() throws {
        let sealed = try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, jobID: jobID)
        let count = try #require(Base64.decode(sealed)).count
        // Bit 7 of byte 31 is ignored by X25519 (RFC 7748 §5), so that flip gives the same
        // shared secret; it must still fail because the raw ephemeral key is in the HKDF salt.
        for offset in 0..<count {
            for bit in [0, 7] {
                #expect(throws: HostSealError.authenticationFailed, "byte \(offset) bit \(bit)") {
                    try HostSeal.open(flippingBit(inBase64: sealed, atByte: offset, bit: bit), privateKey: host.privateKey, jobID: jobID)
                }
            }
        }
    }

    @Test("low-order host keys are refused (all-zero shared secret)")
    func lowOrderHostKey() {
        for point in ["00", "01"].map({ bytes(hex: $0 + String(repeating: "00", count: 31)) }) {
            #expect(throws: HostSealError.degenerateSharedSecret) {
                try HostSeal.seal("hunter2", toHostPublicKey: point, jobID: jobID)
            }
        }
    }

    @Test("a forged message carrying a low-order ephemeral key fails authentication")
    func lowOrderEphemeral() {
        let forged = Base64.encode([UInt8](repeating: 0, count: 32 + 12 + 16 + 4))
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open(forged, privateKey: host.privateKey, jobID: jobID)
        }
    }

    @Test("wrong key lengths and malformed text get their own errors")
    func inputErrors() throws {
        #expect(throws: HostSealError.invalidPublicKeyLength(31)) {
            try HostSeal.seal("x", toHostPublicKey: Array(host.publicKey.dropLast()), jobID: jobID)
        }
        #expect(throws: HostSealError.invalidPrivateKeyLength(33)) {
            try HostSeal.open(SealVector.sealed, privateKey: host.privateKey + [0], jobID: jobID)
        }
        #expect(throws: HostSealError.invalidPrivateKeyLength(0)) { try X25519KeyPair(privateKey: []) }
        #expect(throws: HostSealError.malformedSealedText(reason: "it is not standard padded base64")) {
            try HostSeal.open("not base64!", privateKey: host.privateKey, jobID: jobID)
        }
        let short = Base64.encode([UInt8](repeating: 9, count: 59))
        #expect(throws: HostSealError.malformedSealedText(
            reason: "it is 59 bytes, shorter than ephemeral key, nonce and tag (60); truncated?")) {
            try HostSeal.open(short, privateKey: host.privateKey, jobID: jobID)
        }
    }

    @Test("key pairs: generation is fresh, the private key round-trips, printing hides it")
    func keyPairs() throws {
        let other = try X25519KeyPair.generate()
        #expect(other.privateKey != host.privateKey && other.publicKey != host.publicKey)
        let restored = try X25519KeyPair(privateKey: host.privateKey)
        #expect(restored.publicKey == host.publicKey)
        for text in [String(describing: host), String(reflecting: host)] {
            #expect(text.contains(host.fingerprint))
            #expect(!text.contains(Base64.encode(host.privateKey).prefix(12)) && !text.contains(hex(host.privateKey).prefix(12)))
        }
    }
}
