import Foundation
import Testing
import KlaroCore

@Suite struct LoadPlacementTests {
    private static func uuid(_ rng: inout SplitMix64) -> UUID {
        var bytes = (rng.next(), rng.next())
        return withUnsafeBytes(of: &bytes) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }

    private static func fleet(_ rng: inout SplitMix64, accounts: Int, slots: Int) -> ([PlacementSlot], [LoadAccount]) {
        let slotList = (0..<slots).map { i in
            PlacementSlot(id: SlotID(host: "h\(i / 4)", index: i % 4 + 1), weight: Double(1 + rng.next() % 3),
                          state: i % 7 == 6 ? .draining : .active)
        }
        let accountList = (0..<accounts).map { _ in
            // Sync time 1–30 s every 300, 900 or 3600 s.
            let interval = [300.0, 900, 3600][Int(rng.next() % 3)]
            return LoadAccount(id: uuid(&rng), weight: Double.random(in: 1...30, using: &rng) / interval,
                               server: "Broker-\(rng.next() % 5)")
        }
        return (slotList, accountList)
    }

    @Test func heavierAccountsCountMore() {
        // Two equal slots; one account as heavy as ten light ones: loads, not counts, balance.
        var rng = SplitMix64(seed: 1)
        let slots = [PlacementSlot(id: SlotID(host: "a", index: 1)), PlacementSlot(id: SlotID(host: "b", index: 1))]
        let heavy = LoadAccount(id: Self.uuid(&rng), weight: 1)
        let light = (0..<10).map { _ in LoadAccount(id: Self.uuid(&rng), weight: 0.1) }
        let result = LoadPlacement.place(slots: slots, accounts: [heavy] + light, epsilon: 0)
        #expect(result.loads.values.allSatisfy { abs($0 - 1) < 1e-9 }, "\(result.loads)")
        let heavySlot = result.assignments[heavy.id]
        #expect(light.allSatisfy { result.assignments[$0.id] != heavySlot })
    }

    @Test func noActiveSlotLeavesEveryoneUnplaced() {
        var rng = SplitMix64(seed: 2)
        let account = LoadAccount(id: Self.uuid(&rng), weight: 0.1)
        let result = LoadPlacement.place(slots: [PlacementSlot(id: SlotID(host: "a", index: 1), state: .dead)], accounts: [account])
        #expect(result.unplaced == [account.id] && result.assignments.isEmpty)
    }

    @Test func affinityPrefersTheFasterLoginWithinTheBound() {
        var rng = SplitMix64(seed: 3)
        let slots = (1...4).map { PlacementSlot(id: SlotID(host: "h", index: $0)) }
        let account = LoadAccount(id: Self.uuid(&rng), weight: 0.01, server: "Fast-Broker")
        // One account alone: ε = 10 gives every slot room for it.
        let plain = LoadPlacement.place(slots: slots, accounts: [account], epsilon: 10)
        let home = plain.assignments[account.id]!
        let other = slots.first { $0.id != home }!.id
        var logins: [LoadPlacement.LoginKey: Double] = [:]
        for slot in slots { logins[.init(slot: slot.id, server: "Fast-Broker")] = 2_000 }
        logins[.init(slot: other, server: "Fast-Broker")] = 900
        #expect(LoadPlacement.place(slots: slots, accounts: [account], epsilon: 10, loginMs: logins).assignments[account.id] == other)
        // Only 10 % faster: below the 20 % gain, the hash's choice stays.
        logins[.init(slot: other, server: "Fast-Broker")] = 1_800
        #expect(LoadPlacement.place(slots: slots, accounts: [account], epsilon: 10, loginMs: logins).assignments[account.id] == home)
    }

    @Test(arguments: 0..<20)
    func loadBoundHoldsWithAndWithoutAffinity(seed: UInt64) {
        var rng = SplitMix64(seed: 500 + seed)
        let (slots, accounts) = Self.fleet(&rng, accounts: Int(rng.next() % 1_500), slots: 2 + Int(rng.next() % 40))
        var logins: [LoadPlacement.LoginKey: Double] = [:]
        for slot in slots { for b in 0..<5 where rng.next() % 2 == 0 {
            logins[.init(slot: slot.id, server: "Broker-\(b)")] = Double.random(in: 300...5_000, using: &rng)
        } }
        let heaviest = accounts.map(\.weight).max() ?? 0
        for affinity in [[:], logins] {
            let result = LoadPlacement.place(slots: slots, accounts: accounts, epsilon: 0.25, loginMs: affinity)
            #expect(result.assignments.count == accounts.count)
            for (slot, load) in result.loads {
                #expect(load <= result.capacities[slot]! + heaviest + 1e-9)
            }
            let active = Set(slots.filter { $0.state == .active }.map(\.id))
            #expect(result.assignments.values.allSatisfy(active.contains), "only active slots")
            // The same answer whatever the input order.
            let again = LoadPlacement.place(slots: slots.reversed(), accounts: accounts.reversed(), epsilon: 0.25, loginMs: affinity)
            #expect(again.assignments == result.assignments)
        }
    }
}
