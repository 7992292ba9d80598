import Foundation
import KlaroCore
import Testing

/// After an outage longer than an interval, an account's catch-up sync puts it back on its own
/// phase (issue 13) instead of `now + interval`, where every overdue account would stay bunched.
@Suite("Scheduling: re-phasing after an outage")
struct RephasingTests {
    private let now = Date(timeIntervalSince1970: 1_700_000_123)

    private func randomID(_ rng: inout SplitMix64) -> UUID {
        UUID(uuid: withUnsafeBytes(of: (rng.next(), rng.next())) { Array($0) }.withUnsafeBytes { $0.load(as: uuid_t.self) })
    }

    @Test func afterCatchUpIsTheGridSlotNearestOneIntervalOn() throws {
        var rng = SplitMix64(seed: 4)
        for _ in 0..<1_000 {
            let id = randomID(&rng)
            let next = SyncPhase.afterCatchUp(of: id, interval: 900, now: now)
            let wait = next.timeIntervalSince(now)
            #expect(wait >= 450 && wait < 1_350, "waits \(wait) s")
            let offset = next.timeIntervalSince1970.truncatingRemainder(dividingBy: 900)
            #expect(abs(offset - SyncPhase.fraction(of: id) * 900) < 1e-3)
        }
    }

    @Test("10,000 accounts caught up within one minute fall due again spread over the interval, none later than 1.5 intervals")
    func bunchedCatchUpsSpread() {
        var rng = SplitMix64(seed: 13)
        let interval: TimeInterval = 900
        var perMinute: [Int: Int] = [:]
        for n in 0..<10_000 {
            let id = randomID(&rng)
            let synced = now.addingTimeInterval(Double(n % 60))  // all caught up within a minute
            let next = SyncPhase.afterCatchUp(of: id, interval: interval, now: synced)
            #expect(next.timeIntervalSince(synced) <= 1.5 * interval)
            perMinute[Int(next.timeIntervalSince(now) / 60), default: 0] += 1
        }
        // Bunched, all 10,000 would fall due in one minute; spread, ≈ 667 a minute over 15
        // minutes (the edges of the 16 minutes they span get the rest).
        let middle = (1...14).map { perMinute[$0 + 7] ?? 0 }
        #expect(middle.allSatisfy { (540...800).contains($0) }, "\(perMinute.sorted { $0.key < $1.key })")
        #expect(perMinute.values.max()! < 800)
    }

    private func decide(_ end: JobEnd, account: UUID, anchor: Date, attempt: Int = 1) -> JobCompletion {
        var rng = SplitMix64(seed: 1)
        return JobCompletion.decide(end, account: account, attempt: attempt, anchor: anchor, now: now, interval: 900,
                                    policy: .standard, using: &rng)
    }

    @Test func onlyAnAccountOverdueByMoreThanItsIntervalIsRephased() throws {
        let id = try #require(UUID(uuidString: "3F2504E0-4F89-11D3-9A0C-0305E82C3301"))
        // Late by less than an interval: the next interval keeps its anchor's rhythm.
        let late = decide(.result(.ok), account: id, anchor: now.addingTimeInterval(-600))
        #expect(late.nextSyncAt == now.addingTimeInterval(300))
        // Overdue by two hours: back on its phase, not now + 900.
        let overdue = decide(.result(.ok), account: id, anchor: now.addingTimeInterval(-7_200))
        #expect(overdue.nextSyncAt == SyncPhase.afterCatchUp(of: id, interval: 900, now: now))
        #expect(overdue.anchor == overdue.nextSyncAt)
        // A failure with no attempt left after the outage likewise; a retry is not moved.
        let failed = decide(.result(.timeout), account: id, anchor: now.addingTimeInterval(-7_200), attempt: 3)
        #expect(failed.nextSyncAt == SyncPhase.afterCatchUp(of: id, interval: 900, now: now))
        let lost = decide(.lost(slotDied: true), account: id, anchor: now.addingTimeInterval(-7_200))
        #expect(lost.nextSyncAt == now)
    }
}
