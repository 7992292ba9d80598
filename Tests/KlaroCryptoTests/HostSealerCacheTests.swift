import Foundation
import KlaroCrypto
import Testing

/// The per-host sealer budget (docs/crypto.md §3): one ephemeral key serves a host for at most
/// 60 s and 4,096 messages, and only for the key it was made for.
@Suite("HostSealerCache: ephemeral keys reused within their budget")
struct HostSealerCacheTests {
    private let binding = SealBinding(jobID: "5f0c6a8e-3b1d-4c2a-9e7f-0a1b2c3d4e5f", accountID: "acc", login: 5001, server: "Broker-Demo")

    /// The start of the ephemeral public key a sealed text carries (its first 32 bytes).
    private func ephemeral(_ sealer: HostSealer) throws -> String {
        String(try sealer.seal("p", binding: binding).dropFirst(3).prefix(40))  // 30 whole bytes
    }

    @Test func reusedWithinTheBudgetAndRenewedPastIt() throws {
        let host = try X25519KeyPair.generate()
        let cache = HostSealerCache(maxMessages: 10, maxLifetime: .seconds(60))
        let start = ContinuousClock.now
        let first = try cache.sealer(host: "h1", publicKeyBase64: host.publicKeyBase64, messages: 4, now: start)
        let second = try cache.sealer(host: "h1", publicKeyBase64: host.publicKeyBase64, messages: 6, now: start + .seconds(1))
        #expect(try ephemeral(first) == ephemeral(second), "within 10 messages and 60 s: the same key")
        // The 11th message needs a new key; so does the 61st second.
        let third = try cache.sealer(host: "h1", publicKeyBase64: host.publicKeyBase64, messages: 1, now: start + .seconds(2))
        #expect(try ephemeral(third) != ephemeral(first))
        let later = try cache.sealer(host: "h1", publicKeyBase64: host.publicKeyBase64, messages: 1, now: start + .seconds(62))
        #expect(try ephemeral(later) != ephemeral(third))
        // Whatever the cache hands out still opens with the host key, for its own job only.
        let sealed = try later.seal("Klaro-Passw0rd! äöü €", binding: binding)
        #expect(try HostSeal.open(sealed, privateKey: host.privateKey, binding: binding) == "Klaro-Passw0rd! äöü €")
        #expect(sealed != (try later.seal("Klaro-Passw0rd! äöü €", binding: binding)), "a fresh nonce per message")
    }

    @Test func aNewHostKeyGetsANewSealerAtOnce() throws {
        let old = try X25519KeyPair.generate(), new = try X25519KeyPair.generate()
        let cache = HostSealerCache()
        _ = try cache.sealer(host: "h1", publicKeyBase64: old.publicKeyBase64, messages: 1)
        let sealer = try cache.sealer(host: "h1", publicKeyBase64: new.publicKeyBase64, messages: 1)
        let sealed = try sealer.seal("p", binding: binding)
        #expect(try HostSeal.open(sealed, privateKey: new.privateKey, binding: binding) == "p")
        #expect(throws: HostSealError.self) { try HostSeal.open(sealed, privateKey: old.privateKey, binding: binding) }
    }

    @Test func expiredSealersAreForgottenAndOversizedRequestsNotCached() throws {
        let host = try X25519KeyPair.generate()
        let cache = HostSealerCache(maxMessages: 5, maxLifetime: .seconds(60))
        let start = ContinuousClock.now
        _ = try cache.sealer(host: "h1", publicKeyBase64: host.publicKeyBase64, messages: 1, now: start)
        _ = try cache.sealer(host: "h2", publicKeyBase64: host.publicKeyBase64, messages: 6, now: start)
        #expect(cache.count == 1, "a request beyond the budget gets a sealer of its own")
        cache.removeExpired(now: start + .seconds(61))
        #expect(cache.count == 0)
        #expect(throws: HostKeyError.self) { try cache.sealer(host: "h3", publicKeyBase64: "not a key", messages: 1) }
    }
}
