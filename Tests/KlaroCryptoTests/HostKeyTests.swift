import Testing
@testable import KlaroCrypto

@Suite("HostKey")
struct HostKeyTests {
    /// Computed independently when this test was written, for the RFC 7748 §6.1 Bob key:
    ///   echo -n 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08= | base64 -d \
    ///     | openssl dgst -sha256 -binary | base64 | tr -d =
    /// and with Python hashlib.sha256 over the raw key; both gave this value.
    @Test("fingerprint of a known key matches an independently computed value")
    func fingerprint() {
        let bob = bytes(hex: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        #expect(HostKey.fingerprint(publicKey: bob) == "SHA256:815WFhYKML88bnn6c8V21AIF6Pw7pOHG3Pk+a5joV7Q")
    }

    @Test("fingerprints differ between keys and have ssh's shape")
    func fingerprintShape() throws {
        let first = try X25519KeyPair.generate().fingerprint
        let second = try X25519KeyPair.generate().fingerprint
        #expect(first != second)
        #expect(first.hasPrefix("SHA256:") && first.count == 7 + 43 && !first.hasSuffix("="))
    }

    @Test("a published key decodes; whitespace around it is ignored")
    func decode() throws {
        let bob = bytes(hex: "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f")
        #expect(try HostKey.publicKey(fromBase64: "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=") == bob)
        #expect(try HostKey.publicKey(fromBase64: " 3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=\n") == bob)
        #expect(HostKey.base64(publicKey: bob) == "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08=")
    }

    @Test("bad key texts say why", arguments: [
        ("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08", HostKeyError.notBase64),  // padding dropped
        ("3p7bfXt9wbTTW2HC7OQ1Nz-DQ8hbeGdNrfx_FG-IK08=", .notBase64),  // URL-safe alphabet
        ("", .wrongLength(byteCount: 0)),
        ("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+I", .wrongLength(byteCount: 30)),
        ("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08AAAA", .notBase64),
        ("3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08sAAAA", .wrongLength(byteCount: 36)),
    ])
    func errors(text: String, expected: HostKeyError) {
        #expect(throws: expected) { try HostKey.publicKey(fromBase64: text) }
        #expect(!String(describing: expected).contains("3p7bfXt9"))
    }
}
