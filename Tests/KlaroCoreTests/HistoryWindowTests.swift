import KlaroCore
import Testing

/// Issue 12: a first sync fetches the whole history whatever the plan; later ones overlap the
/// newest deal seen by two days.
@Suite struct HistoryWindowTests {
    @Test func firstSyncAsksForEverything() {
        #expect(HistoryWindow.from(cursor: nil) == 0)
    }

    @Test func laterSyncsOverlapTwoDays() {
        #expect(HistoryWindow.from(cursor: 1_764_000_000) == (1_764_000_000 - 172_800) * 1000)
        #expect(HistoryWindow.from(cursor: 100) == 0, "never before the epoch")
    }
}
