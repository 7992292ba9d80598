import Foundation
import KlaroCore
import Testing

@Suite("SlotLiveness")
struct SlotLivenessTests {
    let a = SlotID(host: "h", index: 1), b = SlotID(host: "h", index: 2)
    let t0 = Date(timeIntervalSince1970: 1_000_000)

    @Test("a slot is alive while its ts changes within deadAfter")
    func aliveWhileTsChanges() {
        var liveness = SlotLiveness()
        let first = liveness.observe(a, ts: 1, now: t0)
        let repeated = liveness.observe(a, ts: 1, now: t0 + 5)
        #expect(first && !repeated)
        #expect(liveness.alive(now: t0 + 19, deadAfter: 20, present: [a]) == [a])
        #expect(liveness.alive(now: t0 + 21, deadAfter: 20, present: [a]).isEmpty)
        let changed = liveness.observe(a, ts: 2, now: t0 + 21)
        #expect(changed)
        #expect(liveness.alive(now: t0 + 30, deadAfter: 20, present: []) == [a])
    }

    @Test("a new leader's grace covers slots with a heartbeat key, not the rest")
    func grace() {
        let liveness = SlotLiveness(
            persisted: [(a, 7, t0 - 3600), (b, 7, t0 - 3600)], now: t0, deadAfter: 20)
        #expect(liveness.alive(now: t0 + 10, deadAfter: 20, present: [a]) == [a])
        #expect(liveness.alive(now: t0 + 21, deadAfter: 20, present: [a]).isEmpty)
    }

    @Test("only times newer than the persisted ones are due for writing")
    func unpersisted() {
        var liveness = SlotLiveness(persisted: [(a, 7, t0), (b, 7, t0)], now: t0, deadAfter: 20)
        #expect(liveness.unpersisted.isEmpty)
        liveness.observe(b, ts: 8, now: t0 + 5)
        #expect(liveness.unpersisted.map(\.id) == [b])
        liveness.persisted(b, at: t0 + 5)
        #expect(liveness.unpersisted.isEmpty)
    }
}
