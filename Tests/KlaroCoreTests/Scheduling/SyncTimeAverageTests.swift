import KlaroCore
import Testing

@Suite struct SyncTimeAverageTests {
    @Test func firstSampleStartsTheAverage() {
        #expect(SyncTimeAverage.next(previous: nil, sample: 4_000) == 4_000)
    }

    @Test func noSampleKeepsTheAverage() {
        #expect(SyncTimeAverage.next(previous: 2_500, sample: nil) == 2_500)
        #expect(SyncTimeAverage.next(previous: nil, sample: nil) == nil)
    }

    @Test func oneSampleMovesTheAverageByItsWeight() {
        // 1000 + 0.2 × (6000 − 1000)
        #expect(SyncTimeAverage.next(previous: 1_000, sample: 6_000) == 2_000)
        #expect(SyncTimeAverage.next(previous: 6_000, sample: 1_000) == 5_000)
    }

    @Test func aSteadySampleIsApproached() {
        var average: Int? = 10_000
        for _ in 0..<40 { average = SyncTimeAverage.next(previous: average, sample: 3_000) }
        #expect(average == 3_000)
    }

    @Test func negativeSamplesCountAsZero() {
        #expect(SyncTimeAverage.next(previous: 1_000, sample: -500) == 800)
        #expect(SyncTimeAverage.next(previous: nil, sample: -1) == 0)
    }
}
