import Foundation
import Synchronization

/// Limits failed authentications per client: a token bucket of `burst` failures that refills
/// at `refillPerSecond`. A client that has used its bucket gets 429 for every request until
/// it refills, so guessing tokens is slow. In memory, per replica.
final class AuthFailureLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    let burst: Double
    let refillPerSecond: Double
    /// False when the limit is 0: nothing is counted.
    var enabled: Bool { burst > 0 }
    /// Clients tracked at most; when full, buckets that have refilled are dropped first.
    let capacity: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    /// `perMinute` failures in a burst, refilled at the same rate (0 disables the limit).
    convenience init(perMinute: Int) {
        self.init(burst: perMinute, refillPerSecond: Double(perMinute) / 60)
    }

    init(burst: Int = 20, refillPerSecond: Double = 1.0 / 3.0, capacity: Int = 50_000) {
        self.burst = Double(burst)
        self.refillPerSecond = refillPerSecond
        self.capacity = capacity
    }

    /// Seconds until `client` may try again, or nil when it is not limited.
    func retryAfter(_ client: String, now: Double = Date().timeIntervalSince1970) -> Double? {
        guard enabled else { return nil }
        return buckets.withLock { buckets in
            guard let bucket = buckets[client] else { return nil }
            let tokens = min(burst, bucket.tokens + (now - bucket.updated) * refillPerSecond)
            return tokens >= 1 ? nil : (1 - tokens) / refillPerSecond
        }
    }

    /// Records one failed authentication by `client`.
    func recordFailure(_ client: String, now: Double = Date().timeIntervalSince1970) {
        guard enabled else { return }
        buckets.withLock { buckets in
            var bucket = buckets[client] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = max(0, min(burst, bucket.tokens + (now - bucket.updated) * refillPerSecond) - 1)
            bucket.updated = now
            if buckets[client] == nil, buckets.count >= capacity { prune(&buckets, now: now) }
            buckets[client] = bucket
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: Double) {
        let full = burst / refillPerSecond
        buckets = buckets.filter { now - $0.value.updated < full }
        if buckets.count >= capacity { buckets.removeAll() }
    }
}
