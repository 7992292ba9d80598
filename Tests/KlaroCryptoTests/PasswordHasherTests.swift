import KlaroCore
@testable import KlaroCrypto
import Testing

@Suite("Argon2id password hashes (libargon2)")
struct PasswordHasherTests {
    /// Cheap parameters keep the suite fast; the format and checks are the same as OWASP's.
    let hasher = PasswordHasher(memoryKiB: 256, iterations: 1, lanes: 1)

    @Test("a hash verifies its password and nothing else")
    func roundTrip() throws {
        let hash = try hasher.hash(Secret("correct horse battery"))
        #expect(hash.hasPrefix("$argon2id$v=19$m=256,t=1,p=1$"))
        #expect(hasher.verify(Secret("correct horse battery"), against: hash))
        #expect(!hasher.verify(Secret("correct horse batterz"), against: hash))
        #expect(!hasher.verify(Secret(""), against: hash))
    }

    @Test("each hash has its own salt")
    func salted() throws {
        #expect(try hasher.hash(Secret("same password")) != hasher.hash(Secret("same password")))
    }

    @Test("OWASP's parameters are written into the hash")
    func owaspParameters() throws {
        let hash = try PasswordHasher.owasp.hash(Secret("a long enough password"))
        #expect(hash.hasPrefix("$argon2id$v=19$m=19456,t=2,p=1$"))
        // Verification reads the cost from the hash, whatever the verifier's own settings.
        #expect(hasher.verify(Secret("a long enough password"), against: hash))
    }

    @Test("a malformed or foreign hash matches nothing", arguments: [
        "", "plain", "$argon2i$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "$2b$10$abcdefghijklmnopqrstuv",
        "$argon2id$v=19$m=256,t=1,p=1$!!$!!",
    ])
    func malformed(hash: String) {
        #expect(!hasher.verify(Secret("anything at all"), against: hash))
    }

    @Test("an overlong password is refused before hashing")
    func tooLong() {
        let long = Secret(String(repeating: "x", count: PasswordHasher.maximumPasswordBytes + 1))
        #expect(throws: PasswordHashError.tooLong) { try hasher.hash(long) }
        #expect(!hasher.verify(long, against: "$argon2id$v=19$m=256,t=1,p=1$c2FsdHNhbHQ$aGFzaA"))
    }

    @Test("opaque tokens are random hex and stored by their SHA-256")
    func opaqueTokens() throws {
        let a = try OpaqueToken.generate(), b = try OpaqueToken.generate()
        #expect(a.reveal.count == 64 && a.reveal != b.reveal)
        #expect(try OpaqueToken.digest(Secret("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let password = try OpaqueToken.readablePassword()
        #expect(password.reveal.count == 20)
        #expect(!password.reveal.contains("l") && !password.reveal.contains("0") && !password.reveal.contains("O"))
    }
}
