import Foundation
import KlaroCore
import Testing

/// A target is a promise on staleness (issue 13): the next sync is aimed early by the
/// account's sync time, and a slot's due jobs go by how close their data is to breaking its
/// class's promise, quiet's with a lead.
@Suite struct StalenessPromiseTests {
    let onTarget = SyncPolicy.standard.stretch(loads: [], slots: 10)

    @Test func scheduledIntervalSubtractsTheSyncTimeNeverBelowHalf() {
        let policy = SyncPolicy.standard
        #expect(policy.scheduledInterval(.quiet, stretch: onTarget, expectedSyncSeconds: 6) == 894)
        #expect(policy.scheduledInterval(.moving, stretch: onTarget, expectedSyncSeconds: 0) == 300)
        #expect(policy.scheduledInterval(900, expectedSyncSeconds: 2_000) == 450)
        #expect(policy.scheduledInterval(900, expectedSyncSeconds: -3) == 900)
        #expect(policy.scheduledInterval(900, expectedSyncSeconds: .nan) == 900)
        // Under stretch it is taken from the stretched interval.
        let stretched = policy.stretch(loads: [SyncLoad(syncClass: .dormant, accounts: 10_000, meanSyncSeconds: 5)], slots: 10)
        #expect(stretched.factor(.dormant) > 1)
        #expect(policy.scheduledInterval(.dormant, stretch: stretched, expectedSyncSeconds: 5)
                == 3600 * stretched.factor(.dormant) - 5)
    }

    @Test func quietAndMovingDeadlinesComeEarlyByTheirLeads() throws {
        let policy = SyncPolicy.standard
        let last = Date(timeIntervalSince1970: 1_000_000)
        #expect(policy.stalenessDeadline(lastSuccess: last, syncClass: .quiet, stretch: onTarget) == last.addingTimeInterval(810))
        #expect(policy.stalenessDeadline(lastSuccess: last, syncClass: .moving, stretch: onTarget) == last.addingTimeInterval(270))
        #expect(policy.stalenessDeadline(lastSuccess: last, syncClass: .dormant, stretch: onTarget) == last.addingTimeInterval(3600))
        let none = try SyncPolicy(deadlineLead: [:])
        #expect(none.stalenessDeadline(lastSuccess: last, syncClass: .quiet, stretch: onTarget) == last.addingTimeInterval(900))
        #expect(none.stalenessDeadline(lastSuccess: last, syncClass: .moving, stretch: onTarget) == last.addingTimeInterval(300))
        // Under stretch the lead is a share of the stretched interval.
        let stretched = policy.stretch(loads: [SyncLoad(syncClass: .moving, accounts: 10_000, meanSyncSeconds: 5)], slots: 100)
        let moving = policy.interval(.moving, stretch: stretched)
        #expect(moving > 300)
        #expect(policy.stalenessDeadline(lastSuccess: last, syncClass: .moving, stretch: stretched) == last.addingTimeInterval(0.9 * moving))
        // Leads are shares of the interval, kept within [0, 0.5].
        let wild = try SyncPolicy(deadlineLead: [.quiet: 3, .moving: -1, .dormant: .nan])
        #expect(wild.deadlineLead == [.quiet: 0.5, .moving: 0, .dormant: 0])
    }

    @Test func earliestDeadlineFirstLetsAQuietAccountPassMovingOnesWithTime() {
        let now = Date(timeIntervalSince1970: 2_000_000)
        let policy = SyncPolicy.standard
        // Both due now. The moving account synced 100 s ago (deadline in 200 s); the quiet one
        // synced 880 s ago, so its data breaks the 15 minutes in 20 s (lead: already past).
        let moving = PendingSync(account: UUID(), due: now.addingTimeInterval(-5), expectedSeconds: 5,
                                 deadline: policy.stalenessDeadline(lastSuccess: now.addingTimeInterval(-100), syncClass: .moving, stretch: onTarget))
        let quiet = PendingSync(account: UUID(), due: now, expectedSeconds: 5,
                                deadline: policy.stalenessDeadline(lastSuccess: now.addingTimeInterval(-880), syncClass: .quiet, stretch: onTarget))
        #expect(RefillOrder.oldestFirst([quiet, moving]).map(\.account) == [moving.account, quiet.account])
        #expect(RefillOrder.earliestDeadline([moving, quiet]).map(\.account) == [quiet.account, moving.account])
        // Never synced: its due time is its deadline; ties go oldest due first.
        let fresh = PendingSync(account: UUID(), due: now.addingTimeInterval(-1_000), expectedSeconds: 5)
        #expect(RefillOrder.earliestDeadline([moving, quiet, fresh]).first == fresh)
    }
}
