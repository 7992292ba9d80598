import Foundation
import Testing
import KlaroCore

/// The placement properties of issue 5 at the size it names: 100,000 accounts on 1,000 slots
/// (the smaller random fleets are in ``PlacementPropertyTests``).
@Suite struct PlacementScaleTests {
    static let accounts = 100_000
    static let slots = 1_000

    @Test func addingOneSlotMovesAtMostItsBoundedShare() throws {
        let fleet = SeededFleet(seed: 77, slots: Self.slots, accounts: Self.accounts)
        let before = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
        let added = PlacementSlot(id: SlotID(host: "joined", index: 1))
        let grown = fleet.slots + [added]
        let bound = 1.25 * Double(Self.accounts) / Double(Self.slots + 1)

        // Minimal movement: at most 1.25·N/(S+1) accounts move, all for capacity.
        let kept = try Placement.place(slots: grown, accounts: fleet.placed(by: before))
        #expect(Double(kept.relocations.count) <= bound)
        #expect(kept.relocations.allSatisfy { $0.reason == .overCapacity })
        #expect(kept.maxLoadRatio <= 1)

        // A rebalance fills the new slot with about its share N/(S+1), never beyond capacity.
        let rebalanced = try Placement.place(slots: grown, accounts: fleet.placed(by: before), mode: .rebalance)
        let toNew = rebalanced.relocations.count { $0.to == added.id }
        #expect(toNew <= rebalanced.capacities[added.id]!)
        #expect(Double(toNew) >= 0.5 * Double(Self.accounts) / Double(Self.slots + 1))
    }

    @Test func removingOneSlotMovesOnlyItsAccounts() throws {
        let fleet = SeededFleet(seed: 78, slots: Self.slots, accounts: Self.accounts, mixedWeights: true)
        let before = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
        let placed = fleet.placed(by: before)
        let victim = fleet.slots[321].id
        let orphans = Set(placed.filter { $0.current == victim }.map(\.id))
        #expect(!orphans.isEmpty)
        let after = try Placement.place(slots: fleet.slots.filter { $0.id != victim }, accounts: placed)
        #expect(Set(after.moves.map(\.account)) == orphans)
        #expect(after.moves.allSatisfy { $0.reason == .slotGone && $0.from == victim })
        #expect(after.maxLoadRatio <= 1)
    }

    @Test func sameInputSameOutputAndPinsHonoured() throws {
        var fleet = SeededFleet(seed: 79, slots: Self.slots, accounts: Self.accounts, servers: 300)
        var rng = SplitMix64(seed: 79)
        // 1,000 pins, some crowding one slot beyond its capacity.
        for _ in 0..<1000 {
            let account = Int(rng.next() % UInt64(Self.accounts))
            fleet.accounts[account].pin = rng.next() % 4 == 0 ? fleet.slots[7].id : fleet.slots[Int(rng.next() % UInt64(Self.slots))].id
        }
        let options = PlacementOptions(affinityWeight: 2)
        let first = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: options)
        let again = try Placement.place(slots: fleet.slots.reversed(), accounts: fleet.accounts.reversed(), options: options)
        #expect(first == again)
        for account in fleet.accounts where account.pin != nil {
            #expect(first.assignments[account.id] == account.pin)
        }
        #expect((first.loads[fleet.slots[7].id] ?? 0) > first.capacities[fleet.slots[7].id]!, "pins beyond capacity hold")
        // Apart from pinned slots, no slot exceeds ceil((1+ε)·N·w/W).
        let pinned = Set(fleet.accounts.compactMap(\.pin))
        #expect(first.loads.allSatisfy { pinned.contains($0.key) || $0.value <= first.capacities[$0.key]! })
    }

    @Test func weightsRespectedWithinEpsilon() throws {
        let fleet = SeededFleet(seed: 80, slots: Self.slots, accounts: Self.accounts, mixedWeights: true)
        let epsilon = 0.25
        let result = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: PlacementOptions(epsilon: epsilon))
        let totalWeight = fleet.slots.reduce(0) { $0 + $1.weight }
        // Every slot stays within (1+ε) of its weighted share …
        for slot in fleet.slots {
            let share = Double(Self.accounts) * slot.weight / totalWeight
            #expect(Double(result.loads[slot.id] ?? 0) <= ((1 + epsilon) * share).rounded(.up))
        }
        // … and each weight class, on average, gets its share within ε.
        for weight in Set(fleet.slots.map(\.weight)) {
            let members = fleet.slots.filter { $0.weight == weight }
            let average = Double(members.reduce(0) { $0 + (result.loads[$1.id] ?? 0) }) / Double(members.count)
            let share = Double(Self.accounts) * weight / totalWeight
            #expect(abs(average / share - 1) <= epsilon, "weight \(weight): \(average) per slot against \(share)")
        }
    }
}
