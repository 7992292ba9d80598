import Foundation
import Testing
import KlaroCore

@Suite struct RetryPolicyTests {
    let policy = RetryPolicy.standard
    let anchor = Date(timeIntervalSince1970: 1_700_000_000)
    let interval: TimeInterval = 900

    @Test func standardValues() {
        #expect(policy.base == 20)
        #expect(policy.cap == 300)
        #expect(policy.maxAttemptsPerInterval == 3)
    }

    @Test(arguments: 1...12)
    func backoffStaysWithinFullJitterBounds(attempt: Int) {
        let ceiling = min(300, 20 * pow(2, Double(attempt - 1)))
        #expect(policy.backoffCeiling(afterAttempt: attempt) == ceiling)
        var rng = SplitMix64(seed: UInt64(attempt))
        let draws = (0..<2000).map { _ in policy.backoff(afterAttempt: attempt, using: &rng) }
        #expect(draws.allSatisfy { $0 >= 0 && $0 <= ceiling })
        // Full jitter spans the whole range: uniform draws reach both ends and average half.
        #expect(draws.max()! > 0.95 * ceiling)
        #expect(draws.min()! < 0.05 * ceiling)
        let mean = draws.reduce(0, +) / Double(draws.count)
        #expect(abs(mean - ceiling / 2) < 0.05 * ceiling)
    }

    @Test func capHoldsForHugeAttempts() {
        var rng = SplitMix64(seed: 7)
        for attempt in [9, 63, 64, 1000, Int.max] {
            #expect(policy.backoffCeiling(afterAttempt: attempt) == 300)
            #expect(policy.backoff(afterAttempt: attempt, using: &rng) <= 300)
        }
        #expect(policy.backoffCeiling(afterAttempt: 0) == 20)
    }

    @Test func sameSeedSameBackoff() {
        var a = SplitMix64(seed: 99)
        var b = SplitMix64(seed: 99)
        for attempt in 1...5 {
            #expect(policy.backoff(afterAttempt: attempt, using: &a) == policy.backoff(afterAttempt: attempt, using: &b))
        }
    }

    @Test func successAlignsToTheSchedule() {
        var rng = SplitMix64(seed: 1)
        let now = anchor.addingTimeInterval(42)
        let decision = policy.next(after: .ok, attempt: 1, scheduledAt: anchor, now: now, interval: interval, using: &rng)
        #expect(decision == .success(nextSyncAt: anchor.addingTimeInterval(900)))
        #expect(decision.nextAttempt == 1)
        #expect(decision.intervalAnchor(currentAnchor: anchor) == anchor.addingTimeInterval(900))
        // A success on a late retry still keeps the original grid.
        let late = policy.next(after: .ok, attempt: 3, scheduledAt: anchor, now: anchor.addingTimeInterval(600),
                               interval: interval, using: &rng)
        #expect(late == .success(nextSyncAt: anchor.addingTimeInterval(900)))
    }

    @Test func successFarBehindStartsFromNow() {
        var rng = SplitMix64(seed: 1)
        for lateBy in [900.0, 901, 5000] {
            let now = anchor.addingTimeInterval(lateBy)
            let decision = policy.next(after: .ok, attempt: 1, scheduledAt: anchor, now: now, interval: interval, using: &rng)
            #expect(decision == .success(nextSyncAt: now.addingTimeInterval(900)))
        }
    }

    @Test(arguments: [SyncOutcome.timeout, .ipcError, .terminalError, .lost])
    func retryableFailuresRetryThenWait(outcome: SyncOutcome) {
        var rng = SplitMix64(seed: 5)
        var now = anchor.addingTimeInterval(3)
        for attempt in 1..<3 {
            let decision = policy.next(after: outcome, attempt: attempt, scheduledAt: anchor, now: now,
                                       interval: interval, using: &rng)
            guard case .retry(let at, let next) = decision else {
                Issue.record("attempt \(attempt): expected a retry, got \(decision)")
                return
            }
            #expect(next == attempt + 1)
            #expect(at >= now && at <= now.addingTimeInterval(policy.backoffCeiling(afterAttempt: attempt)))
            #expect(decision.intervalAnchor(currentAnchor: anchor) == anchor)
                now = at.addingTimeInterval(5)
        }
        let last = policy.next(after: outcome, attempt: 3, scheduledAt: anchor, now: now, interval: interval, using: &rng)
        #expect(last == .waitForNextInterval(at: anchor.addingTimeInterval(900)))
        #expect(last.nextAttempt == 1)
    }

    @Test func retryThatWouldReachTheNextIntervalWaitsForIt() {
        var rng = SplitMix64(seed: 11)
        // 5 s before the next interval, any backoff above 5 s lands past it.
        let now = anchor.addingTimeInterval(895)
        var sawWait = false
        for _ in 0..<50 {
            let decision = policy.next(after: .timeout, attempt: 2, scheduledAt: anchor, now: now, interval: interval, using: &rng)
            switch decision {
            case .retry(let at, _): #expect(at < anchor.addingTimeInterval(900))
            case .waitForNextInterval(let at):
                sawWait = true
                #expect(at == anchor.addingTimeInterval(900))
            default: Issue.record("unexpected \(decision)")
            }
        }
        #expect(sawWait)
    }

    @Test(arguments: [SyncOutcome.authFailed, .otpRequired])
    func credentialFailuresPark(outcome: SyncOutcome) {
        var rng = SplitMix64(seed: 3)
        for attempt in 1...3 {
            let decision = policy.next(after: outcome, attempt: attempt, scheduledAt: anchor, now: anchor,
                                       interval: interval, using: &rng)
            #expect(decision == .park)
            #expect(decision.nextSyncAt == nil)
        }
    }

    @Test func customPolicyLimitsAttempts() {
        let single = RetryPolicy(base: 10, cap: 60, maxAttemptsPerInterval: 1)
        var rng = SplitMix64(seed: 2)
        let decision = single.next(after: .timeout, attempt: 1, scheduledAt: anchor, now: anchor, interval: 60, using: &rng)
        #expect(decision == .waitForNextInterval(at: anchor.addingTimeInterval(60)))
        let clamped = RetryPolicy(base: -5, cap: -1, maxAttemptsPerInterval: 0)
        #expect(clamped.base == 0 && clamped.cap == 0 && clamped.maxAttemptsPerInterval == 1)
        #expect(clamped.backoff(afterAttempt: 3, using: &rng) == 0)
    }
}
