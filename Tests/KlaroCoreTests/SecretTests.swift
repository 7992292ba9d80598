import Testing
import KlaroCore

@Suite struct SecretTests {
    @Test func neverPrintsItself() {
        let secret = Secret("hunter2-token")
        for text in [secret.description, secret.debugDescription, "\(secret)", String(reflecting: secret)] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(secret.reveal == "hunter2-token")
        #expect(secret.count == 13 && !secret.isEmpty)
    }

    @Test(arguments: [
        ("token-of-24-characters!!", "token-of-24-characters!!", true),
        ("token-of-24-characters!!", "token-of-24-characters!?", false),
        ("token-of-24-characters!!", "token-of-24-characters!", false),
        ("token-of-24-characters!!", "token-of-24-characters!!!", false),
        ("token-of-24-characters!!", "", false),
        ("abc", "abcabc", false),
    ])
    func constantTimeEquals(secret: String, candidate: String, expected: Bool) {
        #expect(Secret(secret).constantTimeEquals(candidate) == expected)
    }

    @Test func anEmptySecretMatchesNothing() {
        // An unset admin token is an empty Secret: no bearer token, empty or not, may match it.
        for candidate in ["", "x", "any bearer token"] {
            #expect(!Secret("").constantTimeEquals(candidate))
        }
    }
}
