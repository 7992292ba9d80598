import KlaroCore
import Testing
@testable import KlaroCrypto

/// Three fixed 32-byte keys (bytes 0x00…0x1f, 0x20…0x3f, 0x40…0x5f) in base64.
let keyA = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
let keyB = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
let keyC = "QEFCQ0RFRkdISUpLTE1OT1BRUlNUVVZXWFlaW1xdXl8="

@Suite("KeyRing")
struct KeyRingTests {
    @Test("the test keys are the bytes they claim to be")
    func fixtureKeys() {
        #expect(Base64.decode(keyA) == Array(0x00...0x1f))
        #expect(Base64.decode(keyB) == Array(0x20...0x3f))
        #expect(Base64.decode(keyC) == Array(0x40...0x5f))
    }

    @Test("a ring keeps configuration order, first entry current, whitespace ignored")
    func parses() throws {
        let ring = try KeyRing.parse(" k2025=\(keyC) ,\n k2024=\(keyB),old_key-1=\(keyA)\n")
        #expect(ring.currentKeyID == "k2025")
        #expect(ring.keyIDs == ["k2025", "k2024", "old_key-1"])
        #expect(ring.key(for: "k2024")?.bytes == Array(0x20...0x3f))
        #expect(ring.key(for: "old_key-1")?.bytes == Array(0x00...0x1f))
        #expect(ring.key(for: "nope") == nil)
        let longest = String(repeating: "x", count: 32)
        #expect(try KeyRing.parse("\(longest)=\(keyA)").currentKeyID == longest)
    }

    @Test("each malformed ring names the entry and the problem", arguments: [
        ("", KeyRingError.emptyRing),
        ("  \n ", .emptyRing),
        ("a=\(keyA),,b=\(keyB)", .emptyEntry(position: 2)),
        ("a=\(keyA),", .emptyEntry(position: 2)),
        ("a=\(keyA),b\(keyB.dropLast())", .missingSeparator(position: 2)),
        ("=\(keyA)", .invalidKeyID(position: 1, reason: "it is empty")),
        ("\(String(repeating: "x", count: 33))=\(keyA)", .invalidKeyID(position: 1, reason: "it is 33 characters long")),
        ("a=\(keyA),ke y=\(keyB)", .invalidKeyID(position: 2, reason: "character 3 is not allowed")),
        ("k:1=\(keyA)", .invalidKeyID(position: 1, reason: "character 2 is not allowed")),
        ("a=\(keyA.replacingFirst("A", with: "-"))", .keyNotBase64(position: 1, keyID: "a")),
        ("a=\(keyA.dropLast())", .keyNotBase64(position: 1, keyID: "a")),
        ("a=not base64 at all!", .keyNotBase64(position: 1, keyID: "a")),
        ("a=\(keyA),b=AAECAwQFBgcICQoLDA0ODw==", .wrongKeyLength(position: 2, keyID: "b", byteCount: 16)),
        ("a=", .wrongKeyLength(position: 1, keyID: "a", byteCount: 0)),
        ("a=\(keyA),b=\(keyB),a=\(keyC)", .duplicateKeyID(position: 3, keyID: "a", firstPosition: 1)),
    ])
    func malformed(text: String, expected: KeyRingError) {
        #expect(throws: expected) { try KeyRing.parse(text) }
    }

    /// Operators paste keys in the wrong place; no error text may repeat key material.
    @Test("no parse error repeats the key text", arguments: [
        "k1=\(keyA),k2=\(keyB),k1=\(keyC)",  // duplicate id
        "k1=\(keyA.dropLast(4))",  // wrong length (30 bytes)
        "k1=\(keyA.dropLast())",  // not base64
        "\(keyA)",  // pasted without an id: the '=' padding makes the key the "id"
        "\(keyA.dropLast())",  // no '=' at all
        "\(keyA)=k1",  // reversed
        "k1=\(keyA),\(keyB.dropLast())=\(keyC)",  // key in the id field
        "k1=\(keyA)\(keyB)",  // two keys glued together
        "k1=\(keyA);k2=\(keyB)",  // wrong separator
    ])
    func errorsDoNotEchoKeys(text: String) throws {
        let error = try #require(throws: KeyRingError.self) { try KeyRing.parse(text) }
        let message = String(describing: error) + String(reflecting: error)
        for key in [keyA, keyB, keyC] {
            // Any 12-character run of a key would already be a leak worth catching.
            for start in stride(from: 0, through: key.count - 12, by: 4) {
                let fragment = key.dropFirst(start).prefix(12)
                #expect(!message.contains(fragment), "error text contains key material: \(message)")
            }
        }
    }

    @Test("printing a ring shows ids only")
    func descriptionHidesKeys() throws {
        let ring = try KeyRing.parse("k2=\(keyB),k1=\(keyA)")
        for text in [String(describing: ring), String(reflecting: ring), String(describing: CredentialVault(keyRing: ring))] {
            #expect(text.contains("k2") && text.contains("k1"))
            #expect(!text.contains(keyA.prefix(12)) && !text.contains(keyB.prefix(12)))
        }
    }

    @Test("generated entries parse into fresh 32-byte keys")
    func generate() throws {
        let first = try KeyRing.generateEntry(id: "k2026")
        let second = try KeyRing.generateEntry(id: "k2026")
        #expect(first.hasPrefix("k2026="))
        #expect(first != second)
        let ring = try KeyRing.parse(first)
        #expect(ring.currentKeyID == "k2026")
        #expect(ring.key(for: "k2026")?.count == 32)
        #expect(throws: KeyRingError.invalidKeyID(position: 1, reason: "character 2 is not allowed")) {
            try KeyRing.generateEntry(id: "k.1")
        }
    }
}

extension String {
    func replacingFirst(_ target: Character, with replacement: Character) -> String {
        guard let index = firstIndex(of: target) else { return self }
        var copy = self
        copy.replaceSubrange(index...index, with: String(replacement))
        return copy
    }
}
