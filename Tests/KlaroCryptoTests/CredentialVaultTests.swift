import KlaroCore
import Foundation
import Testing
@testable import KlaroCrypto

@Suite("CredentialVault")
struct CredentialVaultTests {
    let ring: KeyRing
    let vault: CredentialVault
    let account = UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301")!
    let otherAccount = UUID(uuidString: "6BA7B810-9DAD-11D1-80B4-00C04FD430C8")!

    init() throws {
        ring = try KeyRing.parse("k2025=\(keyC),k2024=\(keyB),k2023=\(keyA)")
        vault = CredentialVault(keyRing: ring)
    }

    @Test("sealed passwords open again, for any length and script", arguments: [
        "", "x", "hunter2", "pässwörd-Ω 123 €", String(repeating: "long-password/", count: 40),
    ])
    func roundTrip(password: String) throws {
        let stored = try vault.seal(password, accountID: account)
        #expect(stored.hasPrefix("v1:k2025:"))
        let payload = try #require(Base64.decode(stored.dropFirst("v1:k2025:".count)))
        #expect(payload.count == 12 + password.utf8.count + 16)
        #expect(try vault.open(stored, accountID: account) == password)
    }

    @Test("two seals of one password differ (fresh nonce)")
    func freshNonce() throws {
        let first = try vault.seal("same", accountID: account)
        let second = try vault.seal("same", accountID: account)
        #expect(first != second)
        #expect(Base64.decode(first.dropFirst(9))!.prefix(12) != Base64.decode(second.dropFirst(9))!.prefix(12))
    }

    /// Pinned at-rest format. Produced by `seal(_:accountID:nonce:)` and checked
    /// independently at writing time with Python `cryptography` (AESGCM with key
    /// bytes 0x00…0x1f, nonce f0e0d0c0b0a0908070605040, additional data
    /// b"3f2504e0-4f89-11d3-9a0c-0305e82c3301") — see docs/crypto.md.
    @Test("the documented envelope vector seals and opens exactly")
    func pinnedVector() throws {
        let vault = CredentialVault(keyRing: try KeyRing.parse("k2024=\(keyA)"))
        let expected = "v1:k2024:8ODQwLCgkIBwYFBAxk3SFgzBljklsYHBB4Du8gc79laS1xLMJzwWWQ=="
        let envelope = try vault.seal("hunter2-ÄÖ", accountID: account, nonce: bytes(hex: "f0e0d0c0b0a0908070605040"))
        #expect(envelope.text == expected)
        #expect(try vault.open(expected, accountID: account) == "hunter2-ÄÖ")
    }

    @Test("every key in the ring opens its own envelopes; a reseal moves them to the current key")
    func everyKeyOpens() throws {
        let keys = ["k2025": keyC, "k2024": keyB, "k2023": keyA]
        for (id, key) in keys {
            // A ring where `id` is current seals under that key.
            let others = keys.filter { $0.key != id }.map { "\($0.key)=\($0.value)" }
            let sealer = CredentialVault(keyRing: try KeyRing.parse((["\(id)=\(key)"] + others).joined(separator: ",")))
            let stored = try sealer.seal("secret-\(id)", accountID: account)
            #expect(stored.hasPrefix("v1:\(id):"))
            #expect(try vault.open(stored, accountID: account) == "secret-\(id)")
            let resealed = try vault.reseal(stored, accountID: account)
            #expect(resealed.hasPrefix("v1:k2025:"))
            #expect(try vault.open(resealed, accountID: account) == "secret-\(id)")
        }
    }

    @Test("a flipped bit anywhere in nonce, ciphertext or tag fails authentication")
    func tamperedBits() throws {
        let stored = try vault.seal("hunter2", accountID: account)
        let prefix = "v1:k2025:"
        let payloadText = stored.dropFirst(prefix.count)
        let payloadCount = try #require(Base64.decode(payloadText)).count
        for offset in 0..<payloadCount {
            for bit in [0, 7] {
                let tampered = prefix + flippingBit(inBase64: payloadText, atByte: offset, bit: bit)
                #expect(throws: CredentialError.authenticationFailed(keyID: "k2025")) {
                    try vault.open(tampered, accountID: account)
                }
            }
        }
    }

    @Test("an envelope copied to another account does not open")
    func wrongAccount() throws {
        let stored = try vault.seal("hunter2", accountID: account)
        #expect(throws: CredentialError.authenticationFailed(keyID: "k2025")) {
            try vault.open(stored, accountID: otherAccount)
        }
    }

    @Test("a key swapped under the same id fails authentication")
    func swappedKey() throws {
        let stored = try vault.seal("hunter2", accountID: account)
        let impostor = CredentialVault(keyRing: try KeyRing.parse("k2025=\(keyA)"))
        #expect(throws: CredentialError.authenticationFailed(keyID: "k2025")) {
            try impostor.open(stored, accountID: account)
        }
    }

    @Test("truncated envelopes: too short is malformed, shortened still fails authentication")
    func truncated() throws {
        let stored = try vault.seal("hunter2", accountID: account)
        #expect(throws: CredentialError.authenticationFailed(keyID: "k2025")) {
            try vault.open(String(stored.dropLast(4)), accountID: account)
        }
        #expect(throws: CredentialError.malformedEnvelope(reason: "the payload after the key id is not standard padded base64")) {
            try vault.open(String(stored.dropLast(1)), accountID: account)
        }
        let short = "v1:k2025:" + Base64.encode([UInt8](repeating: 7, count: 27))
        #expect(throws: CredentialError.malformedEnvelope(
            reason: "the payload is 27 bytes, shorter than nonce and tag (28); truncated?")) {
            try vault.open(short, accountID: account)
        }
    }

    @Test("bad prefixes, versions and key ids get their own errors")
    func envelopeErrors() throws {
        let stored = try vault.seal("hunter2", accountID: account)
        let payload = stored.dropFirst("v1:k2025:".count)
        #expect(throws: CredentialError.unsupportedVersion("v2")) { try vault.open("v2:k2025:\(payload)", accountID: account) }
        #expect(throws: CredentialError.unsupportedVersion("v10")) { try vault.open("v10:whatever", accountID: account) }
        #expect(throws: CredentialError.unknownKeyID("k1999")) { try vault.open("v1:k1999:\(payload)", accountID: account) }
        for text in ["", "hunter2", "V1:k2025:\(payload)", "x1:k2025:\(payload)", "k2025:\(payload)"] {
            #expect(throws: CredentialError.malformedEnvelope(reason: "it does not start with \"v1:\"")) {
                try vault.open(text, accountID: account)
            }
        }
        #expect(throws: CredentialError.malformedEnvelope(reason: "expected v1:<key id>:<base64>")) {
            try vault.open("v1:\(payload)", accountID: account)
        }
        #expect(throws: CredentialError.malformedEnvelope(reason: "the key id field is not a valid key id")) {
            try vault.open("v1:k 2025:\(payload)", accountID: account)
        }
    }

    @Test("error texts never contain the password or key")
    func errorsHideSecrets() throws {
        let password = "Sup3rSecretPassw0rd"
        let stored = try vault.seal(password, accountID: account)
        let errors = [
            try #require(throws: CredentialError.self) { try vault.open(stored, accountID: otherAccount) },
            try #require(throws: CredentialError.self) { try vault.open(String(stored.dropLast(4)), accountID: account) },
            try #require(throws: CredentialError.self) { try vault.open("v1:k1999:" + stored.dropFirst(9), accountID: account) },
            try #require(throws: CredentialError.self) { try vault.open("v1:k2025:" + stored.dropFirst(10), accountID: account) },
        ]
        for error in errors {
            let text = String(describing: error)
            #expect(!text.contains(password) && !text.contains(keyC.prefix(12)) && !text.contains(stored.dropFirst(9).prefix(12)))
        }
    }
}
