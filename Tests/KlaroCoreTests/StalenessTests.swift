import Foundation
import Testing
import KlaroCore

@Suite struct StalenessTests {
    let created = Date(timeIntervalSince1970: 1_700_000_000)

    @Test func defaultIsTwoIntervals() {
        #expect(Staleness(syncInterval: 900).staleAfter == 1800)
    }

    @Test func syncedAccountEdges() {
        let rule = Staleness(staleAfter: 1800)
        let success = created.addingTimeInterval(10_000)
        #expect(!rule.isStale(lastSuccessAt: success, createdAt: created, now: success))
        #expect(!rule.isStale(lastSuccessAt: success, createdAt: created, now: success.addingTimeInterval(1800)))
        #expect(rule.isStale(lastSuccessAt: success, createdAt: created, now: success.addingTimeInterval(1800.001)))
    }

    @Test func neverSyncedAccountCountsFromCreation() {
        let rule = Staleness(syncInterval: 900)
        #expect(!rule.isStale(lastSuccessAt: nil, createdAt: created, now: created.addingTimeInterval(60)))
        #expect(!rule.isStale(lastSuccessAt: nil, createdAt: created, now: created.addingTimeInterval(1800)))
        #expect(rule.isStale(lastSuccessAt: nil, createdAt: created, now: created.addingTimeInterval(1801)))
    }

    @Test func lastSuccessWinsOverCreation() {
        let rule = Staleness(staleAfter: 1800)
        let now = created.addingTimeInterval(100_000)
        #expect(!rule.isStale(lastSuccessAt: now.addingTimeInterval(-60), createdAt: created, now: now))
        #expect(rule.isStale(lastSuccessAt: now.addingTimeInterval(-3600), createdAt: created, now: now))
    }
}
