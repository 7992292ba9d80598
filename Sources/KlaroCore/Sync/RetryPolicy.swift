import Foundation

/// Retries with exponential backoff and full jitter, a few attempts per sync interval
/// (DESIGN §3.5, §9). A pure value: the caller passes the clock and the random source.
public struct RetryPolicy: Sendable, Equatable {
    /// The backoff ceiling of the first retry, in seconds.
    public var base: TimeInterval
    /// The largest backoff, in seconds.
    public var cap: TimeInterval
    /// How many attempts one interval gets (the first try included).
    public var maxAttemptsPerInterval: Int

    /// DESIGN §9's values: base 20 s, cap 5 min, 3 attempts per interval.
    public static let standard = RetryPolicy()

    /// Creates a policy; out-of-range values are clamped (base and cap to at least 0, cap to at
    /// least base, attempts to at least 1).
    public init(base: TimeInterval = 20, cap: TimeInterval = 300, maxAttemptsPerInterval: Int = 3) {
        let base = base.isFinite ? max(0, base) : 0
        self.base = base
        self.cap = cap.isFinite ? max(base, cap) : base
        self.maxAttemptsPerInterval = max(1, maxAttemptsPerInterval)
    }

    /// The ceiling of the backoff after failed attempt number `attempt` (1-based):
    /// `min(cap, base · 2^(attempt−1))`.
    public func backoffCeiling(afterAttempt attempt: Int) -> TimeInterval {
        let exponent = min(max(attempt, 1) - 1, 62)
        return min(cap, base * Double(UInt64(1) << UInt64(exponent)))
    }

    /// A full-jitter backoff after failed attempt number `attempt`: uniform in
    /// `0 … min(cap, base · 2^(attempt−1))`.
    public func backoff(
        afterAttempt attempt: Int, using rng: inout some RandomNumberGenerator
    ) -> TimeInterval {
        let ceiling = backoffCeiling(afterAttempt: attempt)
        guard ceiling > 0 else { return 0 }
        return Double.random(in: 0...ceiling, using: &rng)
    }

    /// When the interval after the one anchored at `scheduledAt` starts: `scheduledAt +
    /// interval`, so syncs do not drift; if that is not after `now` (the account is behind),
    /// `now + interval`, so a late account is not synced twice in a row.
    public static func nextIntervalStart(
        scheduledAt: Date, interval: TimeInterval, now: Date
    ) -> Date {
        let aligned = scheduledAt.addingTimeInterval(interval)
        return aligned > now ? aligned : now.addingTimeInterval(interval)
    }

    /// Decides what follows a finished sync.
    /// - Parameters:
    ///   - outcome: how the sync ended.
    ///   - attempt: its attempt number within the interval, 1 for the first try.
    ///   - scheduledAt: the interval's anchor: the `next_sync_at` that made the account due for
    ///     attempt 1 of this interval (persist it; retries do not change it).
    ///   - now: the current time.
    ///   - interval: the sync interval in seconds (`KLARO_SYNC_INTERVAL`).
    ///   - rng: the random source of the jitter.
    /// - Returns: success, retry, wait for the next interval, or park. A retry that would fall
    ///   at or after the next interval's start becomes a wait for that interval.
    public func next(
        after outcome: SyncOutcome, attempt: Int, scheduledAt: Date, now: Date,
        interval: TimeInterval, using rng: inout some RandomNumberGenerator
    ) -> SyncDecision {
        let nextInterval = Self.nextIntervalStart(scheduledAt: scheduledAt, interval: interval, now: now)
        if outcome == .ok { return .success(nextSyncAt: nextInterval) }
        if outcome.parksAccount { return .park }
        guard attempt < maxAttemptsPerInterval else { return .waitForNextInterval(at: nextInterval) }
        let retryAt = now.addingTimeInterval(backoff(afterAttempt: attempt, using: &rng))
        guard retryAt < nextInterval else { return .waitForNextInterval(at: nextInterval) }
        return .retry(at: retryAt, attempt: max(attempt, 1) + 1)
    }
}
