import Synchronization

/// One ``HostSealer`` per host, reused across scheduler ticks within a bounded budget
/// (docs/crypto.md §3, "Ephemeral key budget"): a sealer serves at most ``maxMessages``
/// messages and for at most ``maxLifetime``, and only for the host key it was made for. Past
/// either bound, or when the host's approved key changes, the next request makes a new one
/// (a new ephemeral key). The key agreement and HKDF cost OpenSSL 3 far more than one message's
/// AES-GCM, and a tick seals to hundreds of hosts; reuse keeps that off the dispatch path while
/// the wire format, the per-message random nonce and binding stay as they are.
public final class HostSealerCache: Sendable {
    /// Messages one ephemeral key may seal: far below the 2³² random-nonce bound of AES-GCM.
    public static let maxMessages = 4_096
    /// How long one ephemeral key may seal: what a leak of klarod's memory can expose per host.
    public static let maxLifetime: Duration = .seconds(60)

    private struct Entry {
        let publicKey: String
        let sealer: HostSealer
        let created: ContinuousClock.Instant
        var messages: Int
    }

    private let entries = Mutex<[String: Entry]>([:])
    private let maxMessages: Int
    private let maxLifetime: Duration

    public init(maxMessages: Int = HostSealerCache.maxMessages, maxLifetime: Duration = HostSealerCache.maxLifetime) {
        self.maxMessages = max(1, maxMessages)
        self.maxLifetime = maxLifetime
    }

    /// A sealer for `host` (whose approved key is `publicKeyBase64`) with room for `messages`
    /// more messages, counted against its budget. A request for more than the budget at once
    /// gets a sealer of its own, not cached.
    /// - Throws: ``HostKeyError`` for an unreadable key, ``HostSealError`` when the agreement fails.
    public func sealer(
        host: String, publicKeyBase64: String, messages: Int, now: ContinuousClock.Instant = .now
    ) throws -> HostSealer {
        let cached = entries.withLock { entries -> HostSealer? in
            guard var entry = entries[host], entry.publicKey == publicKeyBase64, now - entry.created < maxLifetime,
                  entry.messages + messages <= maxMessages
            else { return nil }
            entry.messages += messages
            entries[host] = entry
            return entry.sealer
        }
        if let cached { return cached }
        // Made outside the lock: two parts of one tick never ask for the same host.
        let sealer = try HostSealer(hostPublicKey: try HostKey.publicKey(fromBase64: publicKeyBase64))
        if messages <= maxMessages {
            entries.withLock { $0[host] = Entry(publicKey: publicKeyBase64, sealer: sealer, created: now, messages: messages) }
        }
        return sealer
    }

    /// Forgets sealers past their lifetime (hosts no longer dispatched to), so their keys are
    /// wiped rather than kept until the host comes back.
    public func removeExpired(now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in entries = entries.filter { now - $0.value.created < maxLifetime } }
    }

    /// Sealers held now.
    public var count: Int { entries.withLock { $0.count } }
}
