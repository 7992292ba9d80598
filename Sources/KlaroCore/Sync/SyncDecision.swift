import Foundation

/// What the scheduler does with an account after a sync, as ``RetryPolicy`` decides it.
///
/// Each case says what to persist: `next_sync_at`, the interval's anchor (the scheduled time
/// the attempts of one interval count from) and the attempt number of the next job.
public enum SyncDecision: Sendable, Equatable {
    /// The sync succeeded; the next one is due at `nextSyncAt`, which anchors a new interval
    /// whose first attempt is 1.
    case success(nextSyncAt: Date)
    /// A retryable failure with attempts left: the same interval (same anchor) tries again at
    /// `at` with attempt number `attempt`.
    case retry(at: Date, attempt: Int)
    /// A retryable failure with no attempt left in this interval (or no time left before the
    /// next one): the account counts as failing and syncs again at the next interval, `at`,
    /// which anchors a new interval whose first attempt is 1.
    case waitForNextInterval(at: Date)
    /// A failure no retry can fix (bad credentials, OTP): park the account until its
    /// credentials change.
    case park

    /// When the account is due again; nil when it is parked.
    public var nextSyncAt: Date? {
        switch self {
        case .success(let at), .waitForNextInterval(let at), .retry(let at, _): at
        case .park: nil
        }
    }

    /// The attempt number of the next job; nil when the account is parked.
    public var nextAttempt: Int? {
        switch self {
        case .success, .waitForNextInterval: 1
        case .retry(_, let attempt): attempt
        case .park: nil
        }
    }

    /// The anchor to persist for the next job: the new interval's start after a success or a
    /// wait, `currentAnchor` for a retry, nil when parked.
    public func intervalAnchor(currentAnchor: Date) -> Date? {
        switch self {
        case .success(let at), .waitForNextInterval(let at): at
        case .retry: currentAnchor
        case .park: nil
        }
    }
}
