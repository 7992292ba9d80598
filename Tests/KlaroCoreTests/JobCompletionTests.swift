import Foundation
import KlaroCore
import Testing

@Suite("JobCompletion: the end of a job, one rule for every path")
struct JobCompletionTests {
    let policy = RetryPolicy.standard
    let anchor = Date(timeIntervalSince1970: 1_700_000_000)
    let interval: TimeInterval = 900
    let account = UUID(uuidString: "00000000-0000-0000-0000-0000000000AB")!

    func decide(_ end: JobEnd, attempt: Int, now offset: TimeInterval = 30, seed: UInt64 = 7) -> JobCompletion {
        var rng = SplitMix64(seed: seed)
        return JobCompletion.decide(
            end, account: account, attempt: attempt, anchor: anchor, now: anchor.addingTimeInterval(offset), interval: interval, policy: policy, using: &rng)
    }

    @Test("a result follows the retry policy exactly, with the same random draws", arguments: SyncOutcome.allCases, 1...4)
    func resultsFollowThePolicy(outcome: SyncOutcome, attempt: Int) {
        guard outcome != .lost else { return }
        var rng = SplitMix64(seed: 7)
        let expected = policy.next(
            after: outcome, attempt: attempt, scheduledAt: anchor, now: anchor.addingTimeInterval(30), interval: interval, using: &rng)
        let completion = decide(.result(outcome), attempt: attempt)
        #expect(completion.outcome == outcome)
        #expect(completion.decision == expected)
        #expect(completion.anchor == expected.intervalAnchor(currentAnchor: anchor))
    }

    @Test("only ok resets consecutive failures; every other end counts as one more", arguments: SyncOutcome.allCases)
    func successCounting(outcome: SyncOutcome) {
        let end: JobEnd = outcome == .lost ? .lost(slotDied: false) : .result(outcome)
        #expect(decide(end, attempt: 1).succeeded == (outcome == .ok))
    }

    @Test("auth failures park and keep the stored time; the next job starts at attempt 1")
    func parking() {
        for outcome in [SyncOutcome.authFailed, .otpRequired] {
            let completion = decide(.result(outcome), attempt: 2)
            #expect(completion.parks)
            #expect(completion.nextSyncAt == nil)
            #expect(completion.anchor == nil)
            #expect(completion.nextAttempt == 1)
        }
    }

    @Test("a history cut short continues at once in the same interval, same attempt")
    func truncatedHistory() {
        let completion = decide(.result(.ok, dealsTruncated: true), attempt: 2)
        #expect(completion.decision == .retry(at: anchor.addingTimeInterval(30), attempt: 2))
        #expect(completion.succeeded)
        #expect(completion.anchor == anchor)
        // Truncation on a failure means nothing: the policy decides.
        #expect(decide(.result(.timeout, dealsTruncated: true), attempt: 1) == decide(.result(.timeout), attempt: 1))
    }

    @Test("a job lost by deadline is a retryable failure like any other; one lost with its slot is due at once")
    func lostJobs() {
        var rng = SplitMix64(seed: 7)
        let byPolicy = policy.next(
            after: .lost, attempt: 3, scheduledAt: anchor, now: anchor.addingTimeInterval(30), interval: interval, using: &rng)
        let deadline = decide(.lost(slotDied: false), attempt: 3)
        #expect(deadline.decision == byPolicy)
        #expect(deadline.decision == .waitForNextInterval(at: anchor.addingTimeInterval(interval)))
        let slotDied = decide(.lost(slotDied: true), attempt: 3)
        #expect(slotDied.outcome == .lost)
        #expect(slotDied.decision == .retry(at: anchor.addingTimeInterval(30), attempt: 3))
        #expect(!slotDied.succeeded)
    }

    @Test("a job dispatch gave back waits a whole interval from now, as a terminal error, attempt 1")
    func abandoned() {
        let completion = decide(.abandoned, attempt: 2, now: 100)
        #expect(completion.outcome == .terminalError)
        #expect(completion.decision == .waitForNextInterval(at: anchor.addingTimeInterval(100 + interval)))
        #expect(completion.nextAttempt == 1)
        #expect(completion.anchor == anchor.addingTimeInterval(100 + interval))
        #expect(!completion.succeeded && !completion.parks)
    }

    @Test("property: whatever the end, attempt and time, the next state is consistent")
    func consistency() {
        var rng = SplitMix64(seed: 42)
        let ends: [JobEnd] = SyncOutcome.allCases.filter { $0 != .lost }.flatMap { [JobEnd.result($0), .result($0, dealsTruncated: true)] }
            + [.lost(slotDied: false), .lost(slotDied: true), .abandoned]
        for _ in 0..<5000 {
            let end = ends[Int(rng.next() % UInt64(ends.count))]
            let attempt = Int(rng.next() % 6)
            let now = anchor.addingTimeInterval(Double(rng.next() % 3000))
            let completion = JobCompletion.decide(
                end, account: account, attempt: attempt, anchor: anchor, now: now, interval: interval, policy: policy, using: &rng)
            #expect(completion.outcome == end.outcome)
            #expect(completion.nextAttempt >= 1 && completion.nextAttempt <= max(1, attempt) + 1)
            if let next = completion.nextSyncAt {
                #expect(next >= now, "\(end) attempt \(attempt)")
                // Overdue by more than an interval, the account goes back onto its phase: within
                // one and a half intervals (SyncPhase.afterCatchUp).
                let bound = now.timeIntervalSince(anchor) > interval ? 1.5 * interval : interval
                #expect(next <= now.addingTimeInterval(bound) || next <= anchor.addingTimeInterval(interval), "\(end)")
            } else {
                #expect(completion.parks && end.outcome.parksAccount)
            }
            if case .retry(_, let next) = completion.decision, end.outcome != .ok, end != .lost(slotDied: true) {
                #expect(next == max(1, attempt) + 1, "a retry uses up an attempt")
            }
        }
    }
}
