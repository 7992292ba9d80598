import Foundation

/// Whether an account's data is too old to trust (metric `klaro_accounts_stale`).
public struct Staleness: Sendable, Equatable {
    /// How long after its last success (or its creation) an account becomes stale, in seconds.
    public var staleAfter: TimeInterval

    /// Creates a rule with an explicit threshold in seconds.
    public init(staleAfter: TimeInterval) {
        self.staleAfter = staleAfter
    }

    /// The default rule: stale after two sync intervals without a success.
    public init(syncInterval: TimeInterval) {
        self.staleAfter = 2 * syncInterval
    }

    /// True when more than `staleAfter` has passed since the last success, or, for an account
    /// never synced, since it was created. Exactly `staleAfter` is not yet stale.
    public func isStale(lastSuccessAt: Date?, createdAt: Date, now: Date) -> Bool {
        now.timeIntervalSince(lastSuccessAt ?? createdAt) > staleAfter
    }
}
