import KlaroCore
import Testing
@testable import KlaroCrypto

/// The published host-sealing vectors of docs/crypto.md. Host key = RFC 7748 Bob,
/// ephemeral key = RFC 7748 Alice. Produced by `HostSeal.seal(…version:ephemeral:nonce:)` and
/// checked independently with Python `cryptography` (X25519PrivateKey, HKDF(SHA256, 32,
/// salt=eph_pub‖host_pub, info=b"klaro-seal-vN"), AESGCM): it both opens each text and
/// re-creates it byte for byte. The Python worker tests the same vectors.
enum SealVector {
    static let hostPrivateKey = "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb"
    static let hostPublicKeyBase64 = "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
    static let ephemeralPrivateKey = "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"
    static let nonce = "000102030405060708090a0b"
    static let binding = SealBinding(
        jobID: "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f", accountID: "6f1c1a8e-3f0b-4d4e-9c55-2b1a0f7e9d10",
        login: 5_012_345, server: "Broker-Demo")
    static let plaintext = "Klaro-Passw0rd! äöü €"
    static let additionalDataV2 = """
        0000002435663063366138652d336231642d346332612d396537662d3061316232633364346535660000002436663163316138652d336630622d\
        346434652d396335352d32623161306637653964313000000007353031323334350000000b42726f6b65722d44656d6f
        """
    static let sealedV1 = """
        hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCgsJv6VI1geJMKny3lI/\
        8PXaq64q6u5++Kl9UYuE9b4uqbUNC7v/9piBWho=
        """
    static let sealedV2 = """
        v2:hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmoAAQIDBAUGBwgJCguOTC2wvmntT4mThgBuYoIJkeGReN2e6O34E9DqCSuetgwc35XgQKZ\
        Ri+E=
        """
}

@Suite("HostSeal")
struct HostSealTests {
    let host: X25519KeyPair
    let binding = SealBinding(jobID: "0b6e2f4c-9d1a-4e3b-8c7d-6a5f4e3d2c1b", accountID: "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
                              login: 88_001, server: "ICMarketsSC-Demo")

    init() throws {
        host = try X25519KeyPair.generate()
    }

    @Test("the documented vectors open: v2 by default, v1 only when asked for")
    func vectorsOpen() throws {
        let key = bytes(hex: SealVector.hostPrivateKey)
        #expect(try HostSeal.open(SealVector.sealedV2, privateKey: key, binding: SealVector.binding) == SealVector.plaintext)
        #expect(try HostSeal.open(SealVector.sealedV1, privateKey: key, binding: SealVector.binding, accepting: [.v1]) == SealVector.plaintext)
        #expect(throws: HostSealError.versionRefused(1)) {
            try HostSeal.open(SealVector.sealedV1, privateKey: key, binding: SealVector.binding)
        }
        #expect(hex(SealVector.binding.additionalData(.v2)) == SealVector.additionalDataV2)
    }

    @Test("sealing with the vectors' ephemeral key and nonce reproduces them byte for byte", arguments: SealVersion.allCases)
    func vectorsSeal(version: SealVersion) throws {
        let hostKey = try X25519KeyPair(privateKey: bytes(hex: SealVector.hostPrivateKey))
        #expect(hostKey.publicKeyBase64 == SealVector.hostPublicKeyBase64)
        let sealed = try HostSeal.seal(
            SealVector.plaintext, toHostPublicKey: hostKey.publicKey, binding: SealVector.binding, version: version,
            ephemeral: X25519KeyPair(privateKey: bytes(hex: SealVector.ephemeralPrivateKey)),
            nonce: bytes(hex: SealVector.nonce))
        #expect(sealed == (version == .v1 ? SealVector.sealedV1 : SealVector.sealedV2))
    }

    @Test("sealed passwords open with the host key and the job's fields", arguments: ["", "a", "hunter2", "pässwörd-Ω €"])
    func roundTrip(password: String) throws {
        let sealed = try HostSeal.seal(password, toHostPublicKey: host.publicKey, binding: binding)
        #expect(sealed.hasPrefix("v2:"))
        #expect(Base64.decode(String(sealed.dropFirst(3)))?.count == 32 + 12 + password.utf8.count + 16)
        #expect(try HostSeal.open(sealed, privateKey: host.privateKey, binding: binding) == password)
    }

    @Test("two seals of the same text differ in ephemeral key, nonce and ciphertext")
    func freshness() throws {
        let seal = { Base64.decode(String(try HostSeal.seal("same", toHostPublicKey: self.host.publicKey, binding: self.binding).dropFirst(3))) ?? [] }
        let first = try seal(), second = try seal()
        #expect(first.count == 64 && second.count == 64)
        #expect(first.prefix(32) != second.prefix(32))
        #expect(first.dropFirst(32).prefix(12) != second.dropFirst(32).prefix(12))
        #expect(first.dropFirst(44) != second.dropFirst(44))
    }

    @Test("another host's private key cannot open it")
    func otherHost() throws {
        let sealed = try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, binding: binding)
        let other = try X25519KeyPair.generate()
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open(sealed, privateKey: other.privateKey, binding: binding)
        }
    }

    @Test("a sealed password replayed with another job id, account, login or server does not open")
    func otherJobFields() throws {
        let sealed = try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, binding: binding)
        var changed: [SealBinding] = []
        for jobID in ["", binding.jobID.uppercased(), binding.jobID + " ", String(binding.jobID.dropLast())] {
            changed.append(SealBinding(jobID: jobID, accountID: binding.accountID, login: binding.login, server: binding.server))
        }
        changed.append(SealBinding(jobID: binding.jobID, accountID: "3f2504e0-4f89-11d3-9a0c-0305e82c3302", login: binding.login, server: binding.server))
        for login in [88_002, 8_800, -88_001] {
            changed.append(SealBinding(jobID: binding.jobID, accountID: binding.accountID, login: Int64(login), server: binding.server))
        }
        for server in ["Evil-Demo", "ICMarketsSC-Demo ", "icmarketssc-demo", ""] {
            changed.append(SealBinding(jobID: binding.jobID, accountID: binding.accountID, login: binding.login, server: server))
        }
        // Length prefixes keep field boundaries: moving bytes between fields changes the data.
        changed.append(SealBinding(jobID: binding.jobID, accountID: binding.accountID, login: 8_800, server: "1ICMarketsSC-Demo"))
        for other in changed {
            #expect(other.additionalData(.v2) != binding.additionalData(.v2))
            #expect(throws: HostSealError.authenticationFailed, "\(other)") {
                try HostSeal.open(sealed, privateKey: host.privateKey, binding: other)
            }
        }
    }

    @Test("a v1 text relabelled v2, or a v2 text stripped to v1, does not open")
    func noVersionConfusion() throws {
        let hostKey = bytes(hex: SealVector.hostPrivateKey)
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open("v2:" + SealVector.sealedV1, privateKey: hostKey, binding: SealVector.binding)
        }
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open(String(SealVector.sealedV2.dropFirst(3)), privateKey: hostKey, binding: SealVector.binding, accepting: [.v1, .v2])
        }
        for unknown in ["v3:AAAA", "v0:AAAA"] {
            #expect(throws: HostSealError.self) { try HostSeal.open(unknown, privateKey: hostKey, binding: SealVector.binding) }
        }
        #expect(throws: HostSealError.malformedSealedText(reason: "it names no version before ':' (expected v2:)")) {
            try HostSeal.open("x2:AAAA", privateKey: hostKey, binding: SealVector.binding)
        }
    }

    @Test("a flipped bit in ephemeral key, nonce, ciphertext or tag is refused")
    func flippedBits() throws {
        let sealed = String(try HostSeal.seal("hunter2", toHostPublicKey: host.publicKey, binding: binding).dropFirst(3))
        let count = try #require(Base64.decode(sealed)).count
        // Bit 7 of byte 31 is ignored by X25519 (RFC 7748 §5), so that flip gives the same
        // shared secret; it must still fail because the raw ephemeral key is in the HKDF salt.
        for offset in 0..<count {
            for bit in [0, 7] {
                #expect(throws: HostSealError.authenticationFailed, "byte \(offset) bit \(bit)") {
                    try HostSeal.open("v2:" + flippingBit(inBase64: sealed, atByte: offset, bit: bit), privateKey: host.privateKey, binding: binding)
                }
            }
        }
    }

    @Test("low-order host keys are refused (all-zero shared secret)")
    func lowOrderHostKey() {
        for point in ["00", "01"].map({ bytes(hex: $0 + String(repeating: "00", count: 31)) }) {
            #expect(throws: HostSealError.degenerateSharedSecret) {
                try HostSeal.seal("hunter2", toHostPublicKey: point, binding: binding)
            }
        }
    }

    @Test("a forged message carrying a low-order ephemeral key fails authentication")
    func lowOrderEphemeral() {
        let forged = "v2:" + Base64.encode([UInt8](repeating: 0, count: 32 + 12 + 16 + 4))
        #expect(throws: HostSealError.authenticationFailed) {
            try HostSeal.open(forged, privateKey: host.privateKey, binding: binding)
        }
    }

    @Test("wrong key lengths and malformed text get their own errors")
    func inputErrors() throws {
        #expect(throws: HostSealError.invalidPublicKeyLength(31)) {
            try HostSeal.seal("x", toHostPublicKey: Array(host.publicKey.dropLast()), binding: binding)
        }
        #expect(throws: HostSealError.invalidPrivateKeyLength(33)) {
            try HostSeal.open(SealVector.sealedV2, privateKey: host.privateKey + [0], binding: binding)
        }
        #expect(throws: HostSealError.invalidPrivateKeyLength(0)) { try X25519KeyPair(privateKey: []) }
        #expect(throws: HostSealError.malformedSealedText(reason: "it is not standard padded base64")) {
            try HostSeal.open("v2:not base64!", privateKey: host.privateKey, binding: binding)
        }
        let short = "v2:" + Base64.encode([UInt8](repeating: 9, count: 59))
        #expect(throws: HostSealError.malformedSealedText(
            reason: "it is 59 bytes, shorter than ephemeral key, nonce and tag (60); truncated?")) {
            try HostSeal.open(short, privateKey: host.privateKey, binding: binding)
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
