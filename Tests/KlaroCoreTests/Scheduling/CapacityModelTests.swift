import Foundation
import Testing
import KlaroCore

@Suite struct CapacityModelTests {
    @Test func averageWeighsRecentSyncsByAFifth() {
        #expect(SyncTimeAverage.next(previous: nil, sample: 5_000) == 5_000)
        #expect(SyncTimeAverage.next(previous: 5_000, sample: 10_000) == 6_000)
        #expect(SyncTimeAverage.next(previous: 6_000, sample: nil) == 6_000)
    }

    @Test func loadsGroupByClassAndPlanWithMeanSyncTime() {
        let loads = SyncProfile.loads([
            SyncProfile(syncClass: .moving, averageSyncMs: 4_000),
            SyncProfile(syncClass: .moving, averageSyncMs: 8_000),
            SyncProfile(syncClass: .moving, averageSyncMs: nil),  // counts as the group's 6 s
            SyncProfile(syncClass: .moving, plan: "pro", averageSyncMs: 3_000),
            SyncProfile(syncClass: .dormant, averageSyncMs: nil),  // nothing measured: 5 s
        ])
        #expect(loads == [
            SyncLoad(syncClass: .moving, accounts: 3, meanSyncSeconds: 6),
            SyncLoad(syncClass: .moving, plan: "pro", accounts: 1, meanSyncSeconds: 3),
            SyncLoad(syncClass: .dormant, accounts: 1, meanSyncSeconds: 5),
        ])
        // Demand: 3·6/300 + 1·3/300 + 1·5/3600 busy slots.
        let stretch = SyncPolicy.standard.stretch(loads: loads, slots: 1)
        #expect(abs(stretch.demandAtTargets - (0.06 + 0.01 + 5.0 / 3600)) < 1e-12)
    }

    @Test func planTargetsParse() throws {
        let plans = try SyncTargets.parsePlans("pro:moving=120,quiet=600; max:moving=60", base: .standard)
        #expect(plans["pro"] == SyncTargets(moving: 120, quiet: 600, dormant: 3600))
        #expect(plans["max"] == SyncTargets(moving: 60, quiet: 900, dormant: 3600))
        #expect(try SyncTargets.parsePlans("", base: .standard).isEmpty)
        #expect(throws: SyncPolicyError.malformedPlanTargets("pro")) { try SyncTargets.parsePlans("pro", base: .standard) }
        #expect(throws: SyncPolicyError.malformedPlanTargets("pro:moving=1")) {
            try SyncTargets.parsePlans("pro:moving=2;pro:moving=1", base: .standard)
        }
    }

    @Test func phaseIsStableAndOnTheGrid() throws {
        let id = try #require(UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
        let fraction = SyncPhase.fraction(of: id)
        #expect(fraction >= 0 && fraction < 1)
        #expect(SyncPhase.fraction(of: id) == fraction)
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // a multiple of 900 plus 200 s
        let due = SyncPhase.firstDue(of: id, interval: 900, now: now)
        #expect(due >= now && due < now.addingTimeInterval(900))
        let offset = due.timeIntervalSince1970.truncatingRemainder(dividingBy: 900)
        #expect(abs(offset - fraction * 900) < 1e-6)
        // The grid slot itself is its own next slot.
        #expect(SyncPhase.nextSlot(of: id, interval: 900, atOrAfter: due) == due)
    }

    @Test func anImportOfTenThousandSpreadsEvenlyOverTheInterval() {
        var rng = SplitMix64(seed: 13)
        let now = Date(timeIntervalSince1970: 1_700_000_100)
        var perMinute = Array(repeating: 0, count: 15)
        for _ in 0..<10_000 {
            let id = UUID(uuid: withUnsafeBytes(of: (rng.next(), rng.next())) { Array($0) }.withUnsafeBytes {
                $0.load(as: uuid_t.self)
            })
            let due = SyncPhase.firstDue(of: id, interval: 900, now: now)
            perMinute[Int(due.timeIntervalSince(now) / 60)] += 1
        }
        // 10,000 / 15 ≈ 667 a minute; a burst would put thousands in one minute.
        #expect(perMinute.allSatisfy { (560...780).contains($0) }, "\(perMinute)")
    }

    @Test func restartRephasesOnlyOverdueAccountsWithinTheSpread() throws {
        let id = try #require(UUID(uuidString: "00000000-0000-0000-0000-0000000000AB"))
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let future = now.addingTimeInterval(120)
        #expect(SyncPhase.rephased(of: id, due: future, interval: 900, spread: 300, now: now) == future)
        let overdue = SyncPhase.rephased(of: id, due: now.addingTimeInterval(-4_000), interval: 900, spread: 300, now: now)
        #expect(abs(overdue.timeIntervalSince(now) - SyncPhase.fraction(of: id) * 300) < 1e-6)
        // The spread never exceeds the interval.
        let short = SyncPhase.rephased(of: id, due: now, interval: 60, spread: 300, now: now)
        #expect(short.timeIntervalSince(now) < 60)
        #expect(SyncPhase.rephased(of: id, due: now, interval: 60, spread: 0, now: now) == now)
    }

    @Test func refillPutsTheLongestJobsFirst() {
        let t = Date(timeIntervalSince1970: 1_700_000_000)
        let a = UUID(uuidString: "00000000-0000-0000-0000-00000000000A")!
        let b = UUID(uuidString: "00000000-0000-0000-0000-00000000000B")!
        let c = UUID(uuidString: "00000000-0000-0000-0000-00000000000C")!
        let jobs = [
            PendingSync(account: a, due: t, expectedSeconds: 3),
            PendingSync(account: b, due: t.addingTimeInterval(-10), expectedSeconds: 12),
            PendingSync(account: c, due: t.addingTimeInterval(-20), expectedSeconds: 3),
        ]
        #expect(RefillOrder.longestFirst(jobs).map(\.account) == [b, c, a])
        #expect(RefillOrder.oldestFirst(jobs).map(\.account) == [c, b, a])
    }

    @Test func longestFirstShortensTheCycleOnTwoSlots() {
        // Jobs of 1,1,1,1,4 s (the long one due last) on two workers taking the next job when
        // free: oldest first ends at 6 s (the 4 s job starts at 2 s); longest first at 4 s.
        func makespan(_ order: [Double]) -> Double {
            var free = [0.0, 0.0]
            for job in order {
                let slot = free[0] <= free[1] ? 0 : 1
                free[slot] += job
            }
            return free.max()!
        }
        let t = Date(timeIntervalSince1970: 0)
        let jobs = [1.0, 1, 1, 1, 4].enumerated().map { i, s in
            PendingSync(account: UUID(uuidString: "00000000-0000-0000-0000-00000000000\(i)")!,
                        due: t.addingTimeInterval(Double(i)), expectedSeconds: s)
        }
        #expect(makespan(RefillOrder.oldestFirst(jobs).map(\.expectedSeconds)) == 6)
        #expect(makespan(RefillOrder.longestFirst(jobs).map(\.expectedSeconds)) == 4)
    }
}
