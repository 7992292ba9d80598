import Foundation
import Testing
import KlaroCore

/// ``Placement`` from scratch (``PlacementMode/rebalance``) with accounts weighed by their
/// load: the bound is in load, and login affinity never breaks it.
@Suite struct LoadPlacementTests {
    private static func uuid(_ rng: inout SplitMix64) -> UUID {
        var bytes = (rng.next(), rng.next())
        return withUnsafeBytes(of: &bytes) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }

    private static func fleet(_ rng: inout SplitMix64, accounts: Int, slots: Int) -> ([PlacementSlot], [PlacementAccount]) {
        let slotList = (0..<slots).map { i in
            PlacementSlot(id: SlotID(host: "h\(i / 4)", index: i % 4 + 1), weight: Double(1 + rng.next() % 3),
                          state: i % 7 == 6 ? .draining : .active)
        }
        let accountList = (0..<accounts).map { _ in
            // Sync time 1–30 s every 300, 900 or 3600 s.
            let interval = [300.0, 900, 3600][Int(rng.next() % 3)]
            return PlacementAccount(id: uuid(&rng), server: "Broker-\(rng.next() % 5)",
                                    load: Double.random(in: 1...30, using: &rng) / interval)
        }
        return (slotList, accountList)
    }

    private static func place(
        _ slots: [PlacementSlot], _ accounts: [PlacementAccount], epsilon: Double, logins: [PlacementOptions.LoginKey: Double] = [:]
    ) throws -> PlacementResult {
        try Placement.place(
            slots: slots, accounts: accounts, options: PlacementOptions(epsilon: epsilon, loginMs: logins), mode: .rebalance)
    }

    @Test func heavierAccountsCountMore() throws {
        // Two equal slots; one account as heavy as ten light ones: loads, not counts, balance.
        var rng = SplitMix64(seed: 1)
        let slots = [PlacementSlot(id: SlotID(host: "a", index: 1)), PlacementSlot(id: SlotID(host: "b", index: 1))]
        let heavy = PlacementAccount(id: Self.uuid(&rng), load: 1)
        let light = (0..<10).map { _ in PlacementAccount(id: Self.uuid(&rng), load: 0.1) }
        let result = try Self.place(slots, [heavy] + light, epsilon: 0)
        #expect(result.work.values.allSatisfy { abs($0 - 1) < 1e-9 }, "\(result.work)")
        let heavySlot = result.assignments[heavy.id]
        #expect(light.allSatisfy { result.assignments[$0.id] != heavySlot })
    }

    @Test func noActiveSlotLeavesEveryoneUnplaced() throws {
        var rng = SplitMix64(seed: 2)
        let account = PlacementAccount(id: Self.uuid(&rng), load: 0.1)
        let result = try Self.place([PlacementSlot(id: SlotID(host: "a", index: 1), state: .dead)], [account], epsilon: 0.25)
        #expect(result.unplaced == [account.id] && result.assignments.isEmpty)
    }

    @Test func affinityPrefersTheFasterLoginWithinTheBound() throws {
        var rng = SplitMix64(seed: 3)
        let slots = (1...4).map { PlacementSlot(id: SlotID(host: "h", index: $0)) }
        let account = PlacementAccount(id: Self.uuid(&rng), server: "Fast-Broker", load: 0.01)
        // One account alone: ε = 10 gives every slot room for it.
        let home = try #require(try Self.place(slots, [account], epsilon: 10).assignments[account.id])
        let other = slots.first { $0.id != home }!.id
        var logins: [PlacementOptions.LoginKey: Double] = [:]
        for slot in slots { logins[.init(slot: slot.id, server: "Fast-Broker")] = 2_000 }
        logins[.init(slot: other, server: "Fast-Broker")] = 900
        #expect(try Self.place(slots, [account], epsilon: 10, logins: logins).assignments[account.id] == other)
        // Only 10 % faster: below the 20 % gain, the hash's choice stays.
        logins[.init(slot: other, server: "Fast-Broker")] = 1_800
        #expect(try Self.place(slots, [account], epsilon: 10, logins: logins).assignments[account.id] == home)
    }

    @Test(arguments: 0..<20)
    func loadBoundHoldsWithAndWithoutAffinity(seed: UInt64) throws {
        var rng = SplitMix64(seed: 500 + seed)
        let (slots, accounts) = Self.fleet(&rng, accounts: Int(rng.next() % 1_500), slots: 2 + Int(rng.next() % 40))
        var logins: [PlacementOptions.LoginKey: Double] = [:]
        for slot in slots { for b in 0..<5 where rng.next() % 2 == 0 {
            logins[.init(slot: slot.id, server: "Broker-\(b)")] = Double.random(in: 300...5_000, using: &rng)
        } }
        let heaviest = accounts.map(\.load).max() ?? 0
        let active = Set(slots.filter { $0.state == .active }.map(\.id))
        for affinity in [[:], logins] {
            let result = try Self.place(slots, accounts, epsilon: 0.25, logins: affinity)
            #expect(result.assignments.count == accounts.count)
            for (slot, load) in result.work where active.contains(slot) {
                #expect(load <= result.workBounds[slot]! + heaviest + 1e-9)
            }
            #expect(result.assignments.values.allSatisfy(active.contains), "only active slots")
            // The same answer whatever the input order.
            let again = try Self.place(slots.reversed(), accounts.reversed(), epsilon: 0.25, logins: affinity)
            #expect(again.assignments == result.assignments)
        }
    }
}

/// ``Placement`` weighing accounts by ``PlacementAccount/load`` (klarod's path) and
/// ``PlacementWork`` (what klarod weighs).
@Suite struct PlacementByLoadTests {
    let slots = (1...2).map { PlacementSlot(id: SlotID(host: "h", index: $0)) }

    private static func ids(_ count: Int, seed: UInt64) -> [UUID] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            var bytes = (rng.next(), rng.next())
            return withUnsafeBytes(of: &bytes) { UUID(uuid: $0.load(as: uuid_t.self)) }
        }
    }

    @Test func unmeasuredAccountsWeighTheMedianAndLoadIsTimeOverInterval() throws {
        #expect(PlacementWork.defaultSyncSeconds(measuredMs: []) == SyncProfile.unmeasuredSyncSeconds)
        #expect(PlacementWork.defaultSyncSeconds(measuredMs: [9_000, 1_000, 2_000]) == 2)
        #expect(PlacementWork.defaultSyncSeconds(measuredMs: [4_000, 1_000, 2_000, 90_000]) == 3)
        #expect(PlacementWork.load(averageSyncMs: 6_000, defaultSeconds: 5, interval: 300) == 0.02)
        #expect(PlacementWork.load(averageSyncMs: nil, defaultSeconds: 5, interval: 900) == 5.0 / 900)
        #expect(PlacementWork.load(averageSyncMs: 0, defaultSeconds: 5, interval: 100) == PlacementWork.minimumSyncSeconds / 100)
        // Class target for the plan, times the class's stretch: as ingest schedules it.
        let policy = try SyncPolicy(planTargets: ["pro": SyncTargets(moving: 60, quiet: 600, dormant: 3600)])
        let stretch: [SyncClass: Double] = [.dormant: 1.5]
        #expect(PlacementWork.load(averageSyncMs: 3_000, defaultSeconds: 5, syncClass: .moving, plan: "pro", policy: policy,
                                   stretch: stretch) == 3.0 / 60)
        #expect(PlacementWork.load(averageSyncMs: 3_000, defaultSeconds: 5, syncClass: .dormant, plan: nil, policy: policy,
                                   stretch: stretch) == 3.0 / 5400)
    }

    @Test func equalLoadsPlaceExactlyAsCounts() throws {
        let fleet = SeededFleet(seed: 31, slots: 40, accounts: 2_000, mixedWeights: true)
        let counted = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
        let weighed = fleet.accounts.map { account in
            var account = account
            account.load = 0.004
            return account
        }
        let byLoad = try Placement.place(slots: fleet.slots, accounts: weighed)
        #expect(byLoad.assignments == counted.assignments)
        #expect(byLoad.capacities == counted.capacities)
    }

    @Test func keepModeShedsByLoadAndLoginAffinityMovesNoOneWhoStays() throws {
        let ids = Self.ids(12, seed: 5)
        let a = slots[0].id, b = slots[1].id
        // Everyone on a: one heavy account (10) and ten light ones (1), one newcomer (1).
        var accounts = ids.prefix(11).enumerated().map { i, id in
            PlacementAccount(id: id, current: a, server: "S", load: i == 0 ? 10 : 1)
        }
        accounts.append(PlacementAccount(id: ids[11], server: "S", load: 1))
        // b logs into S much faster: only the accounts that move anyway may go there for it.
        let logins: [PlacementOptions.LoginKey: Double] = [.init(slot: a, server: "S"): 3_000, .init(slot: b, server: "S"): 500]
        let result = try Placement.place(slots: slots, accounts: accounts, options: PlacementOptions(loginMs: logins))
        // Bound: ceil(1.25·12/2) = 8 accounts of the mean load 21/12 = 14 on each slot.
        #expect(result.workBounds[a] == 14 && result.workBounds[b] == 14)
        #expect(result.work[a]! <= 14 && result.work[b]! <= 14)
        #expect(result.relocations.allSatisfy { $0.reason == .overCapacity && $0.to == b })
        #expect(result.assignments[ids[11]] == b, "the newcomer prefers the faster slot with room")
        let stayed = accounts.filter { result.assignments[$0.id] == a }
        #expect(!stayed.isEmpty && stayed.allSatisfy { $0.current == a })
    }

    @Test func newcomersGoWhereLoadHasRoom() throws {
        let a = slots[0].id, b = slots[1].id
        let newcomer = PlacementAccount(id: Self.ids(1, seed: 9)[0], load: 1)
        // a: 3 accounts of 62 in all; b: 10 accounts of 10. By count b is full, by load a is.
        let placed = [a: SlotLoad(accounts: 3, load: 62), b: SlotLoad(accounts: 10, load: 10)]
        let result = try Placement.placeNewcomers([newcomer], placed: placed, slots: slots)
        #expect(result.assignments[newcomer.id] == b)
        #expect(result.loads[b] == 11 && result.work[b] == 11)
        let byCount = try Placement.placeNewcomers(
            [newcomer], placed: [a: SlotLoad(accounts: 3, load: 3), b: SlotLoad(accounts: 10, load: 10)], slots: slots)
        #expect(byCount.assignments[newcomer.id] == a, "counts alone would pick the slot with the fewest accounts")
    }

    @Test func invalidLoadsAndGainsAreRefused() {
        let id = Self.ids(1, seed: 1)[0]
        for load in [0, -1, Double.nan, .infinity] {
            #expect(throws: PlacementError.self) {
                try Placement.place(slots: slots, accounts: [PlacementAccount(id: id, load: load)])
            }
        }
        #expect(throws: PlacementError.invalidLoginGain(1)) {
            try Placement.place(slots: slots, accounts: [], options: PlacementOptions(loginGain: 1))
        }
    }
}
