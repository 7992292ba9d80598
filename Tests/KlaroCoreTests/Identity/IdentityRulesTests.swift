import Foundation
import KlaroCore
import Testing

@Suite("Identity rules: passwords, emails, refresh decisions")
struct IdentityRulesTests {
    @Test("password rules")
    func passwordProblems() {
        let email = "trader.one@example.com"
        #expect(PasswordPolicy.problem(Secret("012345678"), email: email)?.contains("at least 10") == true)
        #expect(PasswordPolicy.problem(Secret(String(repeating: "a", count: 129)), email: email)?.contains("at most 128") == true)
        // Code points, as the API's JSON Schema counts: 65 "\r\n" are 130 characters (65 graphemes).
        #expect(PasswordPolicy.problem(Secret(String(repeating: "\r\n", count: 65)), email: email)?.contains("at most 128") == true)
        #expect(PasswordPolicy.problem(Secret(String(repeating: "e\u{301}", count: 5)), email: email) == nil, "10 code points, 5 graphemes")
        #expect(PasswordPolicy.problem(Secret("Trader.One@Example.com"), email: email)?.contains("must not be the email") == true)
        #expect(PasswordPolicy.problem(Secret("trader.one"), email: email)?.contains("must not be the email") == true)
    }

    @Test("acceptable passwords, at both ends of the length range")
    func passwordsAccepted() {
        #expect(PasswordPolicy.problem(Secret("0123456789"), email: "a@b.example") == nil)
        #expect(PasswordPolicy.problem(Secret(String(repeating: "ü", count: 128)), email: "a@b.example") == nil)
    }

    @Test("a refused password's message never repeats it")
    func messageHasNoPassword() {
        let problem = PasswordPolicy.problem(Secret("hunter2"), email: "a@b.example")
        #expect(problem != nil && !problem!.contains("hunter2"))
    }

    @Test("emails are trimmed and lowercased; implausible ones refused")
    func emails() {
        #expect(EmailAddress.normalize("  Trader@Example.COM ") == "trader@example.com")
        #expect(EmailAddress.normalize("a+tag@sub.example.org") == "a+tag@sub.example.org")
        for bad in ["", "no-at", "@example.com", "a@", "a@localhost", "a@@b.com", "a b@c.com", "a@b..com", "a@.b.com",
                    "a\u{202E}@b.com", String(repeating: "a", count: 65) + "@b.com"] {
            #expect(EmailAddress.normalize(bad) == nil, "\(bad)")
        }
    }

    @Test("refresh decisions")
    func refreshDecisions() {
        let now = Date(timeIntervalSince1970: 1_000_000)
        func state(used: Bool = false, revoked: Bool = false, idle: Double = 10, disabled: Bool = false) -> RefreshDecision.TokenState {
            .init(used: used, sessionRevoked: revoked, sessionRefreshedAt: now.addingTimeInterval(-idle), userDisabled: disabled)
        }
        #expect(RefreshDecision.decide(nil, now: now, idleTimeout: 100) == .refuse(.notFound))
        #expect(RefreshDecision.decide(state(), now: now, idleTimeout: 100) == .rotate)
        #expect(RefreshDecision.decide(state(used: true), now: now, idleTimeout: 100) == .revokeSession)
        // A revoked session stays revoked; reusing its tokens changes nothing more.
        #expect(RefreshDecision.decide(state(used: true, revoked: true), now: now, idleTimeout: 100) == .refuse(.sessionRevoked))
        #expect(RefreshDecision.decide(state(revoked: true), now: now, idleTimeout: 100) == .refuse(.sessionRevoked))
        #expect(RefreshDecision.decide(state(idle: 101), now: now, idleTimeout: 100) == .refuse(.sessionExpired))
        #expect(RefreshDecision.decide(state(idle: 100), now: now, idleTimeout: 100) == .rotate)
        #expect(RefreshDecision.decide(state(disabled: true), now: now, idleTimeout: 100) == .refuse(.userDisabled))
    }
}

@Suite("Client addresses: trusted proxies and IPv6 /64 keys")
struct ClientAddressTests {
    let proxies = ClientAddress(trustedProxies: IPNetwork.parseList("127.0.0.1, 10.0.0.0/8, fd00::/8").networks)

    @Test("X-Forwarded-For counts only from a trusted proxy")
    func forwardedFor() {
        let none = ClientAddress()
        // Loopback is not trusted unless configured: anyone on the host could pick a key.
        #expect(none.resolve(peer: "127.0.0.1", forwardedFor: "1.2.3.4") == "127.0.0.1")
        #expect(proxies.resolve(peer: "127.0.0.1", forwardedFor: "1.2.3.4") == "1.2.3.4")
        #expect(proxies.resolve(peer: "9.9.9.9", forwardedFor: "1.2.3.4") == "9.9.9.9")
        // The client's own header entries (left of the proxies') are not believed.
        #expect(proxies.resolve(peer: "127.0.0.1", forwardedFor: "6.6.6.6, 1.2.3.4, 10.1.2.3") == "1.2.3.4")
        #expect(proxies.resolve(peer: "127.0.0.1", forwardedFor: "garbage, 1.2.3.4") == "1.2.3.4")
        #expect(proxies.resolve(peer: "127.0.0.1", forwardedFor: "garbage") == "127.0.0.1")
        #expect(proxies.resolve(peer: "127.0.0.1", forwardedFor: nil) == "127.0.0.1")
        #expect(proxies.resolve(peer: "fd00::1", forwardedFor: "2001:db8::5") == "2001:db8::5")
        #expect(proxies.resolve(peer: nil, forwardedFor: "1.2.3.4") == "unknown")
    }

    @Test("IPv6 clients are keyed by their /64; IPv4 by the address")
    func limiterKeys() {
        #expect(ClientAddress.limiterKey("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limiterKey("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(ClientAddress.limiterKey("2001:db8:1:3::1") != ClientAddress.limiterKey("2001:db8:1:2::1"))
        #expect(ClientAddress.limiterKey("192.0.2.7") == "192.0.2.7")
        #expect(ClientAddress.limiterKey("::ffff:192.0.2.7") == "192.0.2.7")
        #expect(ClientAddress.limiterKey("unknown") == "unknown")
    }

    @Test("networks", arguments: [
        ("10.0.0.0/8", "10.255.1.1", true), ("10.0.0.0/8", "11.0.0.1", false), ("192.168.1.0/24", "192.168.1.200", true),
        ("192.168.1.0/25", "192.168.1.200", false), ("0.0.0.0/0", "8.8.8.8", true), ("fd00::/8", "fdff::1", true),
        ("fd00::/8", "fe80::1", false), ("10.0.0.0/8", "::1", false), ("::1", "::1", true), ("127.0.0.1", "127.0.0.2", false),
    ])
    func networks(network: String, address: String, inside: Bool) {
        #expect(IPNetwork(network)!.contains(IPAddress(address)!) == inside)
    }

    @Test("invalid networks are reported")
    func invalid() {
        #expect(IPNetwork.parseList("10.0.0.0/33, nonsense, 1.2.3.4, ::/129").invalid == ["10.0.0.0/33", "nonsense", "::/129"])
    }
}
