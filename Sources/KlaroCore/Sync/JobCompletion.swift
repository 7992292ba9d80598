import Foundation

/// How a job ended, as the path that saw its end knows it.
public enum JobEnd: Sendable, Equatable {
    /// A worker's result; `dealsTruncated` when `max_deals` cut its history short.
    case result(SyncOutcome, dealsTruncated: Bool = false)
    /// No result by the deadline plus grace (`slotDied` false), or its slot died with the job
    /// still queued (`slotDied` true): the rescuer gave it up.
    case lost(slotDied: Bool)
    /// Never sent: its stored password could not be opened or sealed (dispatch gave it back).
    case abandoned

    /// The outcome recorded for the job.
    public var outcome: SyncOutcome {
        switch self {
        case .result(let outcome, _): outcome
        case .lost: .lost
        case .abandoned: .terminalError
        }
    }
}

/// The end of a job and what the account does next: the one decision every path that ends a
/// job (ingest, rescuer, dispatch's give-back) takes, so that `consecutive_failures`, the next
/// sync, the attempt number and the interval's anchor follow one rule.
public struct JobCompletion: Sendable, Equatable {
    /// The outcome to record on the run and the account.
    public let outcome: SyncOutcome
    /// What the account does next.
    public let decision: SyncDecision
    /// The interval anchor to persist (nil when parked: keep the stored one).
    public let anchor: Date?

    /// The sync succeeded: `consecutive_failures` goes back to 0 and `last_success_at` moves.
    /// Every other end counts as one more consecutive failure, retries included.
    public var succeeded: Bool { outcome == .ok }
    /// The account is parked (`auth_failed`) until its credentials change.
    public var parks: Bool { decision == .park }
    /// When the account is due again; nil when parked (keep the stored time).
    public var nextSyncAt: Date? { decision.nextSyncAt }
    /// The attempt number of the account's next job (1 when parked: a new password starts afresh).
    public var nextAttempt: Int { decision.nextAttempt ?? 1 }

    /// Decides what follows the end of a job.
    /// - Parameters:
    ///   - end: how the job ended.
    ///   - account: the job's account, whose phase (``SyncPhase``) places its next interval
    ///     after an outage.
    ///   - attempt: the job's attempt number within its interval (1 for the first try).
    ///   - anchor: the interval's anchor (the `next_sync_at` that made attempt 1 due).
    ///   - now: the current time.
    ///   - interval: the account's own interval in seconds (``SyncPolicy/interval(_:plan:factors:)``).
    ///   - policy: the retry policy.
    ///   - rng: the random source of the backoff's jitter.
    public static func decide(
        _ end: JobEnd, account: UUID, attempt: Int, anchor: Date, now: Date, interval: TimeInterval, policy: RetryPolicy,
        using rng: inout some RandomNumberGenerator
    ) -> JobCompletion {
        let attempt = max(1, attempt)
        var decision: SyncDecision
        switch end {
        case .result(.ok, dealsTruncated: true):
            // A history cut short by max_deals continues at once, in the same interval.
            decision = .retry(at: now, attempt: attempt)
        case .lost(slotDied: true):
            // The slot never ran it: due again at once on the slot placement picks next, and
            // the attempt is not used up.
            decision = .retry(at: now, attempt: attempt)
        case .abandoned:
            // Retrying cannot help until an operator fixes the key ring or the host key.
            decision = .waitForNextInterval(at: now.addingTimeInterval(interval))
        case .result, .lost(slotDied: false):
            decision = policy.next(after: end.outcome, attempt: attempt, scheduledAt: anchor, now: now, interval: interval, using: &rng)
        }
        // Overdue by more than an interval (an outage): back onto the account's phase rather
        // than now + interval, where every account of the backlog would stay bunched.
        if now.timeIntervalSince(anchor) > interval {
            switch decision {
            case .success: decision = .success(nextSyncAt: SyncPhase.afterCatchUp(of: account, interval: interval, now: now))
            case .waitForNextInterval: decision = .waitForNextInterval(at: SyncPhase.afterCatchUp(of: account, interval: interval, now: now))
            case .retry, .park: break
            }
        }
        return JobCompletion(outcome: end.outcome, decision: decision, anchor: decision.intervalAnchor(currentAnchor: anchor))
    }
}
