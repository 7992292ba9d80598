import Foundation
import KlaroCore
import Testing

/// The order a slot's queue takes its due accounts in (issue 13): longest first among the jobs
/// that fell due in the same refill window, windows oldest first.
@Suite("Scheduling: dispatch order (longest first within a refill window)")
struct DispatchOrderTests {
    private let t = Date(timeIntervalSince1970: 1_700_000_010)  // 10 s into a 30 s window
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
}
