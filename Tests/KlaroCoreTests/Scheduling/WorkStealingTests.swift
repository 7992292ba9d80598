import Foundation
import KlaroCore
import Testing

/// Work stealing (issue 13): an idle slot takes a late job of a busy slot of its host.
@Suite("Scheduling: work stealing")
struct WorkStealingTests {
    private let now = Date(timeIntervalSince1970: 1_700_000_000)
    private func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))! }
    private func slot(_ host: String, _ index: Int) -> SlotID { SlotID(host: host, index: index) }
    private func job(
        _ n: Int, on slot: SlotID, late seconds: Double, deadline: Double? = nil, expected: Double = 5, pinned: Bool = false,
        inFlight: Bool = false
    ) -> StealableJob {
        StealableJob(account: id(n), slot: slot, due: now.addingTimeInterval(-seconds), deadline: deadline.map { now.addingTimeInterval($0) },
                     expectedSeconds: expected, pinned: pinned, inFlight: inFlight)
    }

    @Test func anIdleSlotTakesTheMostLateJobOfABusyNeighbour() {
        let busy = slot("h1", 1), idle = slot("h1", 2)
        let slots = [SlotRoom(slot: busy, room: 0, ownDue: 5), SlotRoom(slot: idle, room: 2, ownDue: 0)]
        let jobs = [
            job(1, on: busy, late: 70), job(2, on: busy, late: 200), job(3, on: busy, late: 30),
            job(4, on: busy, late: 500, pinned: true), job(5, on: busy, late: 400, inFlight: true),
        ]
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 60)
        // 2 then 1: late by 200 s and 70 s; 3 is not late enough, 4 is pinned, 5 in flight.
        #expect(steals.map(\.account) == [id(2), id(1)])
        #expect(steals.allSatisfy { $0.thief == idle })
    }

    @Test func latenessCountsFromTheRank() {
        let busy = slot("h1", 1), idle = slot("h1", 2)
        let slots = [SlotRoom(slot: busy, room: 0, ownDue: 5), SlotRoom(slot: idle, room: 3, ownDue: 0)]
        let jobs = [
            job(1, on: busy, late: 150, deadline: 60),    // due 150 s ago, but time to spare: rank in a minute
            job(2, on: busy, late: 40, deadline: -130),    // quiet: its promise broke 130 s ago, due 40 s ago
            job(3, on: busy, late: 10, deadline: -500),    // rank at most 300 s before due: −310 s
            job(4, on: busy, late: -30, deadline: -400),   // not due yet: never
        ]
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 120)
        // Most late by rank first: 3 (−310 s), then 2 (−130 s).
        #expect(steals.map(\.account) == [id(3), id(2)])
    }

    @Test func withinARefillWindowTheLongestFirst() {
        // As the victim's own queue would take them: 1 and 2 rank in the same 30 s window
        // (now − 200 s and now − 190 s, the window of now − 210 s … now − 180 s), 2 the longer.
        let busy = slot("h1", 1)
        let t = Date(timeIntervalSince1970: 1_700_000_010)  // a window's start
        let jobs = [
            StealableJob(account: id(1), slot: busy, due: t.addingTimeInterval(-200), expectedSeconds: 3),
            StealableJob(account: id(2), slot: busy, due: t.addingTimeInterval(-190), expectedSeconds: 9),
            StealableJob(account: id(3), slot: busy, due: t.addingTimeInterval(-170), expectedSeconds: 20),
        ]
        let slots = [SlotRoom(slot: busy, room: 0, ownDue: 3), SlotRoom(slot: slot("h1", 2), room: 2, ownDue: 0)]
        #expect(WorkStealing.assign(slots: slots, jobs: jobs, now: t, lateness: 120).map(\.account) == [id(2), id(1)])
    }

    @Test func neverAcrossHostsWithoutTheSecondTier() {
        let slots = [SlotRoom(slot: slot("h1", 1), room: 0, ownDue: 3), SlotRoom(slot: slot("h2", 1), room: 2, ownDue: 0)]
        #expect(WorkStealing.assign(slots: slots, jobs: [job(1, on: slot("h1", 1), late: 900)], now: now).isEmpty)
    }

    @Test func twoIdleSlotsTakeOneJobEachTheEmptiestTheMostLate() {
        let busy = slot("h1", 1)
        let slots = [
            SlotRoom(slot: busy, room: 0, ownDue: 4),
            SlotRoom(slot: slot("h1", 2), room: 1, ownDue: 0),
            SlotRoom(slot: slot("h1", 3), room: 2, ownDue: 0),
        ]
        let steals = WorkStealing.assign(slots: slots, jobs: [job(1, on: busy, late: 90), job(2, on: busy, late: 120)], now: now, lateness: 60)
        #expect(steals.map(\.account) == [id(2), id(1)])
        #expect(steals.map(\.thief) == [slot("h1", 3), slot("h1", 2)])
    }

    @Test func aSlotTakesItsOwnDueJobsFirst() {
        let busy = slot("h1", 1)
        // Slot 2 has room 2 and one due job of its own: one unit to steal; slot 3's own due
        // jobs fill its room: it steals nothing.
        let slots = [
            SlotRoom(slot: busy, room: 0, ownDue: 4), SlotRoom(slot: slot("h1", 2), room: 2, ownDue: 1),
            SlotRoom(slot: slot("h1", 3), room: 2, ownDue: 2),
        ]
        let steals = WorkStealing.assign(
            slots: slots, jobs: [job(1, on: busy, late: 90), job(2, on: busy, late: 120), job(3, on: busy, late: 100)], now: now, lateness: 60)
        #expect(steals.map(\.account) == [id(2)])
        #expect(steals.map(\.thief) == [slot("h1", 2)])
    }

    @Test func aJobOfASlotWithRoomIsItsOwn() {
        // Slot 1 has room for its late job: it takes it itself.
        let slots = [SlotRoom(slot: slot("h1", 1), room: 1, ownDue: 1), SlotRoom(slot: slot("h1", 2), room: 2, ownDue: 0)]
        let own = WorkStealing.assign(slots: slots, jobs: [job(1, on: slot("h1", 1), late: 300)], now: now)
        #expect(own.map(\.account) == [id(1)])  // spare 0 after its one own job: stealable
        let roomy = [SlotRoom(slot: slot("h1", 1), room: 2, ownDue: 1), SlotRoom(slot: slot("h1", 2), room: 2, ownDue: 0)]
        #expect(WorkStealing.assign(slots: roomy, jobs: [job(1, on: slot("h1", 1), late: 300)], now: now).isEmpty)
    }

    @Test func latenessIsInclusive() {
        let j = job(1, on: slot("h1", 1), late: 60)
        #expect(WorkStealing.isLate(j, now: now, lateness: 60))
        #expect(!WorkStealing.isLate(j, now: now.addingTimeInterval(-0.001), lateness: 60))
        let thief = SlotRoom(slot: slot("h1", 2), room: 1, ownDue: 0)
        #expect(WorkStealing.mayTake(j, thief: thief, now: now, lateness: 60))
        #expect(!WorkStealing.mayTake(j, thief: SlotRoom(slot: slot("h1", 1), room: 1, ownDue: 0), now: now, lateness: 60))
        #expect(!WorkStealing.mayTake(j, thief: SlotRoom(slot: slot("h1", 2), room: 1, ownDue: 1), now: now, lateness: 60))
    }

    @Test("property: own due work first, steals late and within a host, each job once, each thief within its spare room, order-independent",
          arguments: 1...30)
    func property(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let hosts = ["a", "b", "c"]
        let slots = hosts.flatMap { host in
            (1...4).map { SlotRoom(slot: slot(host, $0), room: Int(rng.next() % 3), ownDue: Int(rng.next() % 4)) }
        }
        let jobs = (0..<40).map { n in
            job(n, on: slots[Int(rng.next() % UInt64(slots.count))].slot, late: Double(rng.next() % 300) - 30,
                deadline: rng.next() % 3 == 0 ? nil : Double(rng.next() % 900) - 600, expected: Double(rng.next() % 4),
                pinned: rng.next() % 7 == 0, inFlight: rng.next() % 9 == 0)
        }
        let lateness = Double(rng.next() % 120)
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: lateness)
        let room = Dictionary(uniqueKeysWithValues: slots.map { ($0.slot, $0) })
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.account, $0) })
        #expect(Set(steals.map(\.account)).count == steals.count)
        for steal in steals {
            let job = byID[steal.account]!, thief = room[steal.thief]!
            #expect(thief.ownDue < thief.room)  // a slot whose own due work fills it never steals
            #expect(job.due <= now && now.timeIntervalSince(job.rank) >= lateness)
            #expect(job.rank >= job.due.addingTimeInterval(-RefillOrder.maxLead))
            #expect(WorkStealing.mayTake(job, thief: thief, now: now, lateness: lateness))
            #expect(room[job.slot]!.spare == 0)
        }
        for thief in slots {
            #expect(steals.count(where: { $0.thief == thief.slot }) <= thief.spare)
        }
        // Every host steals as many as it has late takeable jobs or spare room, whichever is
        // less: the first of them in the order their own slots would take them.
        for host in hosts {
            let spare = slots.filter { $0.slot.host == host }.map(\.spare).reduce(0, +)
            let takeable = jobs.filter { $0.slot.host == host && room[$0.slot]!.spare == 0 && !$0.pinned && !$0.inFlight
                && WorkStealing.isLate($0, now: now, lateness: lateness) }
            let order = RefillOrder.dispatch(takeable.map {
                PendingSync(account: $0.account, due: $0.due, expectedSeconds: $0.expectedSeconds, deadline: $0.deadline)
            }, window: RefillOrder.defaultWindow).map(\.account)
            #expect(steals.filter { $0.thief.host == host }.map(\.account) == Array(order.prefix(spare)))
        }
        // Determinism: the same answer whatever the order of the inputs.
        var shuffledRng = SplitMix64(seed: seed &+ 99)
        let again = WorkStealing.assign(
            slots: slots.shuffled(using: &shuffledRng), jobs: jobs.shuffled(using: &shuffledRng), now: now, lateness: lateness)
        #expect(again.map(\.account) == steals.map(\.account) && again.map(\.thief) == steals.map(\.thief))
    }

    // MARK: The second tier: across hosts

    @Test func aHostWithEverySlotBusyGivesItsJobsLateByTheLongerThresholdToAnotherHost() {
        let a = slot("h1", 1), b = slot("h1", 2), idle = slot("h2", 1)
        let slots = [
            SlotRoom(slot: a, room: 0, ownDue: 3), SlotRoom(slot: b, room: 0, ownDue: 2), SlotRoom(slot: idle, room: 3, ownDue: 0),
        ]
        let jobs = [
            job(1, on: a, late: 400), job(2, on: b, late: 650), job(3, on: a, late: 200),  // 3: late for tier 1, not tier 2
            job(4, on: b, late: 900, pinned: true), job(5, on: a, late: 800, inFlight: true),
        ]
        // Without the second tier h1 has no spare room: nothing.
        #expect(WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 120).isEmpty)
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 120, acrossHostsAfter: 300)
        // 2 then 1 (late by 650 s and 400 s); 3 not late enough, 4 pinned, 5 in flight.
        #expect(steals.map(\.account) == [id(2), id(1)])
        #expect(steals.allSatisfy { $0.thief == idle })
        // Exactly at the threshold counts; a moment before does not.
        let edge = [job(1, on: a, late: 300)]
        #expect(WorkStealing.assign(slots: slots, jobs: edge, now: now, lateness: 120, acrossHostsAfter: 300).count == 1)
        #expect(WorkStealing.assign(slots: slots, jobs: edge, now: now.addingTimeInterval(-0.001), lateness: 120, acrossHostsAfter: 300)
            .isEmpty)
    }

    @Test func aCordonedHostTakesItsNeighboursLateJobsButNoOtherHosts() {
        let busy = slot("h1", 1), cordonedBusy = slot("h2", 1), cordonedIdle = slot("h2", 2)
        let slots = [
            SlotRoom(slot: busy, room: 0, ownDue: 2),
            SlotRoom(slot: cordonedBusy, room: 0, ownDue: 1, takesOtherHosts: false),
            SlotRoom(slot: cordonedIdle, room: 3, ownDue: 0, takesOtherHosts: false),
        ]
        let jobs = [job(1, on: busy, late: 900), job(2, on: busy, late: 800), job(3, on: cordonedBusy, late: 400)]
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 120, acrossHostsAfter: 300)
        // Its own host's late job, yes; h1's, however late, no.
        #expect(steals.map(\.account) == [id(3)])
        #expect(steals.map(\.thief) == [cordonedIdle])
        // Uncordoned, the same room takes h1's too.
        let open = slots.map { SlotRoom(slot: $0.slot, room: $0.room, ownDue: $0.ownDue) }
        #expect(Set(WorkStealing.assign(slots: open, jobs: jobs, now: now, lateness: 120, acrossHostsAfter: 300).map(\.account))
                == [id(1), id(2), id(3)])
    }

    @Test func theHostsOwnSpareRoomFirstThenTheEmptiestElsewhere() {
        let busy = slot("h1", 1)
        let slots = [
            SlotRoom(slot: busy, room: 0, ownDue: 4),
            SlotRoom(slot: slot("h1", 2), room: 1, ownDue: 0),   // tier 1: one unit
            SlotRoom(slot: slot("h2", 1), room: 1, ownDue: 0),
            SlotRoom(slot: slot("h3", 1), room: 3, ownDue: 1),   // spare 2: the emptiest
            SlotRoom(slot: slot("h3", 2), room: 2, ownDue: 2),   // its own fill it: never a thief
        ]
        let jobs = [job(1, on: busy, late: 900), job(2, on: busy, late: 700), job(3, on: busy, late: 500), job(4, on: busy, late: 400),
                    job(5, on: busy, late: 350)]
        let steals = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: 120, acrossHostsAfter: 300)
        // The most late stays on its host; then round-robin over the fleet's spare room left,
        // most spare first (h3:1 with 2, then h2:1 by slot order), then h3:1's second unit.
        #expect(steals.map(\.account) == [id(1), id(2), id(3), id(4)])
        #expect(steals.map(\.thief) == [slot("h1", 2), slot("h3", 1), slot("h2", 1), slot("h3", 1)])
    }

    @Test("property: the second tier takes only what the first left, only past the longer threshold, each job once, within the spare room left, order-independent",
          arguments: 1...30)
    func acrossHostsProperty(seed: UInt64) {
        var rng = SplitMix64(seed: seed)
        let hosts = ["a", "b", "c", "d"]
        let slots = hosts.flatMap { host in
            (1...3).map { SlotRoom(slot: slot(host, $0), room: Int(rng.next() % 3), ownDue: Int(rng.next() % 4)) }
        }
        let jobs = (0..<40).map { n in
            job(n, on: slots[Int(rng.next() % UInt64(slots.count))].slot, late: Double(rng.next() % 900) - 30,
                deadline: rng.next() % 3 == 0 ? nil : Double(rng.next() % 900) - 600, expected: Double(rng.next() % 4),
                pinned: rng.next() % 7 == 0, inFlight: rng.next() % 9 == 0)
        }
        let lateness = Double(rng.next() % 120), across = 120 + Double(rng.next() % 400)
        // Half the seeds with a cap on what a slot offers other hosts (klarod's queue depth).
        let cap: Int? = seed % 2 == 0 ? Int(rng.next() % 3) + 1 : nil
        let firstTier = WorkStealing.assign(slots: slots, jobs: jobs, now: now, lateness: lateness)
        let steals = WorkStealing.assign(
            slots: slots, jobs: jobs, now: now, lateness: lateness, acrossHostsAfter: across, acrossHostsPerSlot: cap)
        #expect(Array(steals.prefix(firstTier.count)).map(\.account) == firstTier.map(\.account))
        #expect(Array(steals.prefix(firstTier.count)).map(\.thief) == firstTier.map(\.thief))
        let second = steals.dropFirst(firstTier.count)
        let room = Dictionary(uniqueKeysWithValues: slots.map { ($0.slot, $0) })
        let byID = Dictionary(uniqueKeysWithValues: jobs.map { ($0.account, $0) })
        #expect(Set(steals.map(\.account)).count == steals.count)
        for steal in second {
            let job = byID[steal.account]!
            #expect(job.slot.host != steal.thief.host || across < lateness)
            #expect(WorkStealing.isLate(job, now: now, lateness: across))
            #expect(!job.pinned && !job.inFlight && room[job.slot]!.spare == 0)
        }
        for thief in slots {
            #expect(steals.count(where: { $0.thief == thief.slot }) <= thief.spare)
        }
        // As many as the late takeable jobs left or the spare room left, whichever is less.
        let taken = Set(firstTier.map(\.account))
        let left = jobs.filter { !taken.contains($0.account) && room[$0.slot]!.spare == 0 && !$0.pinned && !$0.inFlight
            && WorkStealing.isLate($0, now: now, lateness: across) }
        let spareLeft = slots.map(\.spare).reduce(0, +) - firstTier.count
        let offered = Dictionary(grouping: left, by: \.slot).values.map { min($0.count, cap ?? .max) }.reduce(0, +)
        #expect(second.count == min(offered, spareLeft))
        if let cap {
            for (victim, jobs) in Dictionary(grouping: second.map { byID[$0.account]! }, by: \.slot) {
                #expect(jobs.count <= cap, "\(victim) offered more than \(cap)")
                // Its first in its own dispatch order (the fleet-wide order sorts by the same key).
                let order = RefillOrder.dispatch(
                    left.filter { $0.slot == victim }.map {
                        PendingSync(account: $0.account, due: $0.due, expectedSeconds: $0.expectedSeconds, deadline: $0.deadline)
                    }, window: RefillOrder.defaultWindow)
                #expect(Set(jobs.map(\.account)) == Set(order.prefix(jobs.count).map(\.account)))
            }
        }
        var shuffledRng = SplitMix64(seed: seed &+ 7)
        let again = WorkStealing.assign(
            slots: slots.shuffled(using: &shuffledRng), jobs: jobs.shuffled(using: &shuffledRng), now: now, lateness: lateness,
            acrossHostsAfter: across, acrossHostsPerSlot: cap)
        #expect(again.map(\.account) == steals.map(\.account) && again.map(\.thief) == steals.map(\.thief))
    }
}
