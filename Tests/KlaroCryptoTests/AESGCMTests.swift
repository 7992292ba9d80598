import Testing
@testable import KlaroCrypto

/// McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", test cases 13–16
/// (the 256-bit-key cases; 16 carries additional data).
struct GCMVector: Sendable, CustomTestStringConvertible {
    let name: String
    let key: String
    let nonce: String
    let plaintext: String
    let additionalData: String
    let ciphertext: String
    let tag: String
    var testDescription: String { name }
}

private let key15 = "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
private let nonce15 = "cafebabefacedbaddecaf888"
private let plaintext15 = """
    d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
    1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255
    """
private let ciphertext15 = """
    522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa\
    8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad
    """

let gcmVectors: [GCMVector] = [
    GCMVector(
        name: "test case 13", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
        plaintext: "", additionalData: "", ciphertext: "", tag: "530f8afbc74536b9a963b4f1c4cb738b"),
    GCMVector(
        name: "test case 14", key: String(repeating: "00", count: 32), nonce: String(repeating: "00", count: 12),
        plaintext: String(repeating: "00", count: 16), additionalData: "",
        ciphertext: "cea7403d4d606b6e074ec5d3baf39d18", tag: "d0d1c8a799996bf0265b98b5d48ab919"),
    GCMVector(
        name: "test case 15", key: key15, nonce: nonce15, plaintext: plaintext15, additionalData: "",
        ciphertext: ciphertext15, tag: "b094dac5d93471bdec1a502270e3cc6c"),
    GCMVector(
        name: "test case 16", key: key15, nonce: nonce15, plaintext: String(plaintext15.dropLast(8)),
        additionalData: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
        ciphertext: String(ciphertext15.dropLast(8)), tag: "76fc6ece0f4e1768cddf8853bb2d551b"),
]

@Suite("AES-256-GCM")
struct AESGCMTests {
    @Test("encrypting gives the published ciphertext and tag", arguments: gcmVectors)
    func encrypt(vector: GCMVector) throws {
        let (ciphertext, tag) = try AESGCM.seal(
            bytes(hex: vector.plaintext), key: SecretBytes(copying: bytes(hex: vector.key)),
            nonce: bytes(hex: vector.nonce), additionalData: bytes(hex: vector.additionalData))
        #expect(hex(ciphertext) == vector.ciphertext)
        #expect(hex(tag) == vector.tag)
    }

    @Test("decrypting recovers the plaintext", arguments: gcmVectors)
    func decrypt(vector: GCMVector) throws {
        let plaintext = try AESGCM.open(
            ciphertext: bytes(hex: vector.ciphertext), tag: bytes(hex: vector.tag),
            key: SecretBytes(copying: bytes(hex: vector.key)), nonce: bytes(hex: vector.nonce),
            additionalData: bytes(hex: vector.additionalData))
        #expect(hex(plaintext) == vector.plaintext)
    }

    @Test("a flipped tag bit or other additional data is refused", arguments: gcmVectors)
    func refusesTampering(vector: GCMVector) throws {
        var tag = bytes(hex: vector.tag)
        tag[15] ^= 0x80
        #expect(throws: CryptoPrimitiveError.authenticationFailed) {
            try AESGCM.open(
                ciphertext: bytes(hex: vector.ciphertext), tag: tag,
                key: SecretBytes(copying: bytes(hex: vector.key)), nonce: bytes(hex: vector.nonce),
                additionalData: bytes(hex: vector.additionalData))
        }
        #expect(throws: CryptoPrimitiveError.authenticationFailed) {
            try AESGCM.open(
                ciphertext: bytes(hex: vector.ciphertext), tag: bytes(hex: vector.tag),
                key: SecretBytes(copying: bytes(hex: vector.key)), nonce: bytes(hex: vector.nonce),
                additionalData: bytes(hex: vector.additionalData) + [0x01])
        }
    }

    @Test("wrong key and nonce lengths are refused before OpenSSL sees them")
    func lengths() {
        #expect(throws: CryptoPrimitiveError.invalidLength(what: "AES-256 key", expected: "32", actual: 16)) {
            try AESGCM.seal([1], key: SecretBytes(copying: [UInt8](repeating: 0, count: 16)),
                            nonce: [UInt8](repeating: 0, count: 12), additionalData: [])
        }
        #expect(throws: CryptoPrimitiveError.invalidLength(what: "AES-GCM nonce", expected: "12", actual: 16)) {
            try AESGCM.seal([1], key: SecretBytes(copying: [UInt8](repeating: 0, count: 32)),
                            nonce: [UInt8](repeating: 0, count: 16), additionalData: [])
        }
    }
}
