import Foundation
import Testing
import KlaroCore

/// Properties of placement over many seeded random fleets.
@Suite struct PlacementPropertyTests {
    static let scenarios = (UInt64(0)..<40).map { PlacementScenario(seed: $0) }

    @Test(arguments: scenarios)
    func invariantsHoldInBothModes(scenario: PlacementScenario) throws {
        for mode in PlacementMode.allCases {
            let result = try Placement.place(slots: scenario.slots, accounts: scenario.accounts,
                                             options: scenario.options, mode: mode)
            PlacementInvariants.check(result, slots: scenario.slots, accounts: scenario.accounts,
                                      options: scenario.options, mode: mode)
        }
    }

    @Test(arguments: scenarios.prefix(15))
    func sameInputSameOutputWhateverTheOrder(scenario: PlacementScenario) throws {
        for mode in PlacementMode.allCases {
            let first = try Placement.place(slots: scenario.slots, accounts: scenario.accounts,
                                            options: scenario.options, mode: mode)
            let again = try Placement.place(slots: scenario.slots, accounts: scenario.accounts,
                                            options: scenario.options, mode: mode)
            #expect(first == again)
            let shuffled = try Placement.place(
                slots: scenario.slots.seededShuffle(seed: scenario.seed),
                accounts: scenario.accounts.seededShuffle(seed: scenario.seed + 1),
                options: scenario.options, mode: mode
            )
            #expect(shuffled == first)
        }
    }

    @Test(arguments: scenarios.prefix(15))
    func placingTheResultAgainMovesNothing(scenario: PlacementScenario) throws {
        let first = try Placement.place(slots: scenario.slots, accounts: scenario.accounts, options: scenario.options)
        let placed = scenario.accounts.map { account in
            var account = account
            account.current = first.assignments[account.id]
            return account
        }
        let second = try Placement.place(slots: scenario.slots, accounts: placed, options: scenario.options)
        #expect(second.moves.filter { $0.from != nil }.isEmpty)
        #expect(second.assignments == first.assignments)
    }

    /// (slots, accounts per slot) for fleet-change properties.
    static let sizes = [(4, 20), (10, 50), (30, 100), (12, 200)]

    @Test(arguments: sizes)
    func addingASlotMovesAtMostItsShare(slotCount: Int, perSlot: Int) throws {
        for seed in UInt64(0)..<10 {
            let fleet = SeededFleet(seed: seed, slots: slotCount, accounts: slotCount * perSlot)
            let before = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
            let added = PlacementSlot(id: SlotID(host: "added", index: 1))
            let grown = fleet.slots + [added]
            let bound = 1.25 * Double(fleet.accounts.count) / Double(slotCount + 1)

            // Minimal movement (what klarod runs on a fleet change): only over-capacity moves.
            let kept = try Placement.place(slots: grown, accounts: fleet.placed(by: before))
            #expect(Double(kept.relocations.count) <= bound, "seed \(seed)")
            #expect(kept.relocations.allSatisfy { $0.reason == .overCapacity })
            PlacementInvariants.check(kept, slots: grown, accounts: fleet.placed(by: before), options: PlacementOptions())

            // Explicit rebalance: the new slot takes its share; freed room pulls back a few
            // accounts that had overflowed elsewhere, so allow half a share more.
            let idealBefore = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, mode: .rebalance)
            let idealAfter = try Placement.place(slots: grown, accounts: fleet.placed(by: idealBefore), mode: .rebalance)
            let toNewSlot = idealAfter.relocations.filter { $0.to == added.id }.count
            #expect(toNewSlot <= idealAfter.capacities[added.id]!)
            #expect(Double(toNewSlot) >= 0.5 * Double(fleet.accounts.count) / Double(slotCount + 1), "seed \(seed)")
            #expect(Double(idealAfter.relocations.count) <= 1.5 * Double(fleet.accounts.count) / Double(slotCount + 1),
                    "seed \(seed): \(idealAfter.relocations.count) moved")
        }
    }

    @Test(arguments: sizes)
    func removingASlotMovesOnlyItsAccounts(slotCount: Int, perSlot: Int) throws {
        for seed in UInt64(0)..<10 {
            let fleet = SeededFleet(seed: seed, slots: slotCount, accounts: slotCount * perSlot, mixedWeights: seed % 2 == 0)
            let before = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
            let placed = fleet.placed(by: before)
            let victim = fleet.slots[Int(seed) % slotCount].id
            let orphans = Set(placed.filter { $0.current == victim }.map(\.id))

            var marked = fleet.slots
            marked[Int(seed) % slotCount].state = .dead
            let removed = fleet.slots.filter { $0.id != victim }
            for (slots, reason) in [(marked, MoveReason.slotGone), (removed, .slotGone)] {
                let after = try Placement.place(slots: slots, accounts: placed)
                #expect(Set(after.moves.map(\.account)) == orphans)
                #expect(after.moves.allSatisfy { $0.reason == reason && $0.from == victim })
                PlacementInvariants.check(after, slots: slots, accounts: placed, options: PlacementOptions())
            }
            var draining = fleet.slots
            draining[Int(seed) % slotCount].state = .draining
            let drained = try Placement.place(slots: draining, accounts: placed)
            #expect(Set(drained.moves.map(\.account)) == orphans)
            #expect(drained.moves.allSatisfy { $0.reason == .drain })
            #expect(drained.loads[victim] == 0)
        }
    }

    @Test(arguments: UInt64(0)..<5)
    func cordonKeepsAccountsAndTakesNoNewOnes(seed: UInt64) throws {
        let fleet = SeededFleet(seed: seed, slots: 12, accounts: 1200)
        let before = try Placement.place(slots: fleet.slots, accounts: fleet.accounts)
        var slots = fleet.slots
        for i in [0, 1, 2, 3] { slots[i].state = .cordoned }   // a whole host
        var rng = SplitMix64(seed: seed + 5000)
        let newcomers = (0..<300).map { _ in PlacementAccount(id: .seeded(&rng)) }
        let accounts = fleet.placed(by: before) + newcomers
        for mode in PlacementMode.allCases {
            let after = try Placement.place(slots: slots, accounts: accounts, mode: mode)
            for i in 0..<4 {
                #expect(after.loads[slots[i].id] == before.loads[slots[i].id])
            }
            #expect(after.moves.allSatisfy { $0.to.host != "h0" })
            PlacementInvariants.check(after, slots: slots, accounts: accounts, options: PlacementOptions(), mode: mode)
        }
    }

    @Test func loadFollowsWeights() throws {
        // With slack large enough that capacity never binds, load is proportional to weight.
        let fleet = SeededFleet(seed: 21, slots: 20, accounts: 40_000, mixedWeights: true)
        let options = PlacementOptions(epsilon: 10)
        let result = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: options)
        let total = fleet.slots.reduce(0) { $0 + $1.weight }
        #expect(Set(fleet.slots.map(\.weight)).count > 2)
        for slot in fleet.slots {
            let expected = Double(fleet.accounts.count) * slot.weight / total
            let load = Double(result.loads[slot.id] ?? 0)
            #expect(abs(load - expected) <= 5 * expected.squareRoot(), "\(slot.id) w=\(slot.weight): \(load) vs \(expected)")
        }
    }

    @Test(arguments: [0.0, 0.1, 0.25])
    func loadStaysWithinBoundForMixedWeights(epsilon: Double) throws {
        for seed in UInt64(0)..<8 {
            let fleet = SeededFleet(seed: seed, slots: 50, accounts: 5000, mixedWeights: true, servers: 30)
            let options = PlacementOptions(epsilon: epsilon, affinityWeight: seed % 2 == 0 ? 0 : 2)
            let result = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: options)
            PlacementInvariants.check(result, slots: fleet.slots, accounts: fleet.accounts, options: options)
            #expect(result.unplaced.isEmpty)
            #expect(result.maxLoadRatio <= 1)
        }
    }
}
