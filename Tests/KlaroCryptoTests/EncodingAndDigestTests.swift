import KlaroCore
import Testing
@testable import KlaroCrypto

@Suite("Base64 and SHA-256")
struct EncodingAndDigestTests {
    /// RFC 4648 §10 test vectors.
    @Test("RFC 4648 vectors encode and decode", arguments: [
        ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy"),
    ])
    func rfc4648(plain: String, encoded: String) {
        #expect(Base64.encode(Array(plain.utf8)) == encoded)
        #expect(Base64.decode(encoded) == Array(plain.utf8))
    }

    @Test("all byte values survive a round trip, unpadded encoding drops '='")
    func roundTrip() {
        let all = Array(UInt8.min...UInt8.max)
        for length in 0...all.count {
            #expect(Base64.decode(Base64.encode(all.prefix(length))) == Array(all.prefix(length)))
        }
        #expect(Base64.encode(Array("fo".utf8), padded: false) == "Zm8")
    }

    @Test("non-canonical or non-standard text is refused", arguments: [
        "Zg", "Zg=", "Zh==", "Zm9=", "====", "A===", "Zg==Zg==", "Zm9v\n", " Zm9v", "Zm-_", "Z=g=", "Zm9vYmFy====",
    ])
    func strict(text: String) {
        #expect(Base64.decode(text) == nil)
    }

    /// FIPS 180-2 appendix B.1 ("abc") and the empty message.
    @Test("SHA-256 known digests")
    func sha256() throws {
        #expect(hex(try SHA256.hash(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(try SHA256.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
