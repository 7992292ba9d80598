import Foundation
import Testing
import KlaroCore

@Suite struct SyncClassTests {
    let created = Date(timeIntervalSince1970: 1_700_000_000)
    var later: Date { created.addingTimeInterval(30 * 86_400) }

    @Test func openPositionsAreMovingWhateverTheDeals() {
        #expect(SyncClass.classify(openPositions: 1, lastDealAt: nil, knownSince: created, now: later) == .moving)
        #expect(SyncClass.classify(openPositions: 3, lastDealAt: created, knownSince: created, now: later) == .moving)
    }

    @Test func aDealInTheLastDayIsMoving() {
        let edge = later.addingTimeInterval(-86_400)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: edge.addingTimeInterval(1), knownSince: created, now: later) == .moving)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: edge, knownSince: created, now: later) == .quiet)
    }

    @Test func sevenDaysWithoutActivityIsDormant() {
        let edge = later.addingTimeInterval(-7 * 86_400)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: edge, knownSince: created, now: later) == .dormant)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: edge.addingTimeInterval(1), knownSince: created, now: later) == .quiet)
    }

    @Test func aNewAccountIsNotDormantBeforeItWasWatchedAWeek() {
        let now = created.addingTimeInterval(3 * 86_400)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: nil, knownSince: created, now: now) == .quiet)
        // Old deals imported with the history do not make a new account dormant either.
        let old = created.addingTimeInterval(-365 * 86_400)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: old, knownSince: created, now: now) == .quiet)
        #expect(SyncClass.classify(openPositions: 0, lastDealAt: nil, knownSince: created, now: later) == .dormant)
    }

    @Test func urgencyOrder() {
        #expect(SyncClass.allCases.sorted() == [.moving, .quiet, .dormant])
        #expect(SyncClass.moving < .dormant)
    }
}
