import Foundation
import KlaroCore
import Testing

/// The order a slot's queue takes its due accounts in (issue 13): longest first among the jobs
/// that fell due in the same refill window, windows oldest first.
@Suite("Scheduling: dispatch order (longest first within a refill window)")
struct DispatchOrderTests {
    private let t = Date(timeIntervalSince1970: 1_700_000_010)  // the start of a 30 s window (1,700,000,010 = 56,666,667 × 30)
    private func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))! }

    @Test func theLongestOfOneWindowGoFirst() {
        let jobs = [
            PendingSync(account: id(1), due: t, expectedSeconds: 2),
            PendingSync(account: id(2), due: t.addingTimeInterval(5), expectedSeconds: 9),
            PendingSync(account: id(3), due: t.addingTimeInterval(1), expectedSeconds: 4),
            PendingSync(account: id(4), due: t.addingTimeInterval(2), expectedSeconds: 4),
        ]
        #expect(RefillOrder.dispatch(jobs, window: 30).map(\.account) == [id(2), id(3), id(4), id(1)])
    }

    @Test func anEarlierWindowGoesFirstHoweverShort() {
        let jobs = [
            PendingSync(account: id(1), due: t.addingTimeInterval(30), expectedSeconds: 60),
            PendingSync(account: id(2), due: t, expectedSeconds: 1),
            PendingSync(account: id(3), due: t.addingTimeInterval(-40), expectedSeconds: 2),
        ]
        #expect(RefillOrder.dispatch(jobs, window: 30).map(\.account) == [id(3), id(2), id(1)])
        // Without a window it is the usual oldest-first order.
        #expect(RefillOrder.dispatch(jobs, window: 0) == RefillOrder.oldestFirst(jobs))
    }

    @Test func theWindowIsTheSameOnEveryReplica() {
        // Fixed windows of the Unix clock, not "within 30 s of the oldest": the same jobs give
        // the same order whatever the time of the tick.
        #expect(RefillOrder.window(of: Date(timeIntervalSince1970: 59.9), length: 30) == 1)
        #expect(RefillOrder.window(of: Date(timeIntervalSince1970: 60), length: 30) == 2)
        #expect(RefillOrder.window(of: Date(timeIntervalSince1970: -0.5), length: 30) == -1)
    }

    @Test("property: no job is passed by one that fell due in a later window; within a window, longest first",
          arguments: 1...20)
    func property(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let jobs = (0..<200).map { n in
            PendingSync(account: id(n), due: t.addingTimeInterval(Double(rng.next() % 600)),
                        expectedSeconds: Double(rng.next() % 20))
        }
        let window: TimeInterval = 30
        let order = RefillOrder.dispatch(jobs, window: window)
        #expect(order.count == jobs.count && Set(order.map(\.account)) == Set(jobs.map(\.account)))
        for (earlier, later) in zip(order, order.dropFirst()) {
            let (a, b) = (RefillOrder.window(of: earlier.due, length: window), RefillOrder.window(of: later.due, length: window))
            #expect(a <= b)
            // So a job waits only for jobs that fell due less than one window after it.
            #expect(earlier.due.timeIntervalSince(later.due) < window)
            if a == b { #expect(earlier.expectedSeconds >= later.expectedSeconds) }
        }
    }

    // MARK: By staleness deadline (the rank)

    @Test func aJobRanksAtItsDeadlineHeldNearItsDueTime() {
        let due = t
        func rank(_ deadline: TimeInterval?) -> TimeInterval {
            RefillOrder.rank(PendingSync(account: id(1), due: due, expectedSeconds: 5,
                                         deadline: deadline.map { due.addingTimeInterval($0) })).timeIntervalSince(due)
        }
        #expect(rank(nil) == 0)  // never synced: its due time
        #expect(rank(-85) == -85)  // quiet's lead: before its due time
        #expect(rank(40) == 40)  // time to spare: after it
        #expect(rank(3_000) == 3_000)  // a dormant hour after: it waits behind everyone closer to theirs
        #expect(rank(-7_200) == -RefillOrder.maxLead)  // a deadline long past (retries): 5 minutes early at most
    }

    @Test func aQuietAccountPassesMovingOnesThatStillHaveTime() {
        let policy = SyncPolicy.standard
        let onTarget = policy.stretch(loads: [], slots: 1)
        // Due at t: a moving account synced 200 s ago (deadline t + 70 s: 270 s, its lead), a
        // quiet one synced 850 s ago (deadline t − 40 s); due 40 s earlier, an account never
        // synced (ranks at its due time). Same sync time, so only ranks decide.
        let moving = PendingSync(account: id(1), due: t, expectedSeconds: 9,
                                 deadline: policy.stalenessDeadline(lastSuccess: t.addingTimeInterval(-200), syncClass: .moving, stretch: onTarget))
        let quiet = PendingSync(account: id(2), due: t, expectedSeconds: 3,
                                deadline: policy.stalenessDeadline(lastSuccess: t.addingTimeInterval(-850), syncClass: .quiet, stretch: onTarget))
        let new = PendingSync(account: id(3), due: t.addingTimeInterval(-40), expectedSeconds: 3)
        #expect(RefillOrder.rank(quiet) == t.addingTimeInterval(-40))
        #expect(RefillOrder.rank(moving) == t.addingTimeInterval(70))
        // The moving account, longest but two windows later, goes last; the quiet one and the
        // new one share a window and a sync time: the earlier rank, then the id.
        #expect(RefillOrder.dispatch([moving, quiet, new], window: 30).map(\.account) == [id(2), id(3), id(1)])
        // By due time alone the moving account would not be passed by the quiet one.
        #expect(RefillOrder.dispatch([moving, quiet].map { PendingSync(account: $0.account, due: $0.due, expectedSeconds: $0.expectedSeconds) },
                                     window: 30).map(\.account) == [id(1), id(2)])
    }

    @Test("property: by rank windows, longest first within one; a job is never passed by one ranking a window later",
          arguments: 1...20)
    func propertyWithDeadlines(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let jobs = (0..<200).map { n in
            let due = t.addingTimeInterval(Double(rng.next() % 600))
            let deadline: Date? = rng.next() % 5 == 0 ? nil : due.addingTimeInterval(Double(rng.next() % 8_000) - 4_000)
            return PendingSync(account: id(n), due: due, expectedSeconds: Double(rng.next() % 20), deadline: deadline)
        }
        let order = RefillOrder.dispatch(jobs, window: 30)
        #expect(order.count == jobs.count && Set(order.map(\.account)) == Set(jobs.map(\.account)))
        for job in jobs {
            let rank = RefillOrder.rank(job)
            #expect(rank >= job.due.addingTimeInterval(-RefillOrder.maxLead) && rank >= (job.deadline ?? job.due))
        }
        for (earlier, later) in zip(order, order.dropFirst()) {
            let (a, b) = (RefillOrder.window(of: RefillOrder.rank(earlier), length: 30), RefillOrder.window(of: RefillOrder.rank(later), length: 30))
            #expect(a <= b)
            if a == b { #expect(earlier.expectedSeconds >= later.expectedSeconds) }
        }
    }
}
