import Foundation
import Testing
import KlaroCore

/// The incremental path for one dead slot, against the full placement.
@Suite struct PlacementIncrementalTests {
    /// A fleet placed from scratch with pins, cordons and affinity, then one slot dies.
    /// `reassign` must return exactly what a full keep-mode placement returns.
    @Test(arguments: UInt64(0)..<20)
    func equalsFullPlacementAfterADeath(seed: UInt64) throws {
        var scenario = PlacementScenario(seed: seed, slots: 16, accounts: 800)
        for i in scenario.slots.indices where scenario.slots[i].state != .cordoned {
            scenario.slots[i].state = .active
        }
        let initial = try Placement.place(slots: scenario.slots, accounts: scenario.accounts, options: scenario.options)
        let placed = scenario.accounts.map { account in
            var account = account
            account.current = initial.assignments[account.id]
            return account
        }
        var rng = SplitMix64(seed: seed)
        let victimIndex = Int(rng.next() % UInt64(scenario.slots.count))
        let victim = scenario.slots[victimIndex].id
        var withDead = scenario.slots
        withDead[victimIndex].state = .dead

        let full = try Placement.place(slots: withDead, accounts: placed, options: scenario.options)
        let fast = try Placement.reassign(orphansOf: victim, slots: scenario.slots, accounts: placed, options: scenario.options)
        #expect(fast == full)
        let alsoMarked = try Placement.reassign(orphansOf: victim, slots: withDead, accounts: placed, options: scenario.options)
        #expect(alsoMarked == full)
        PlacementInvariants.check(fast, slots: withDead, accounts: placed, options: scenario.options)

        // Dropping the slot from the list instead gives the same assignment and plan.
        let dropped = scenario.slots.filter { $0.id != victim }
        let fullDropped = try Placement.place(slots: dropped, accounts: placed, options: scenario.options)
        #expect(fullDropped.assignments == fast.assignments)
        #expect(fullDropped.moves == fast.moves)
    }

    /// From an arbitrary (not stable) assignment, only the dead slot's accounts move, each to
    /// an active slot that had room (or its pin).
    @Test(arguments: UInt64(0)..<10)
    func movesOnlyTheDeadSlotsAccounts(seed: UInt64) throws {
        let scenario = PlacementScenario(seed: seed + 100)
        let victim = scenario.slots[Int(seed) % scenario.slots.count].id
        let result = try Placement.reassign(orphansOf: victim, slots: scenario.slots,
                                            accounts: scenario.accounts, options: scenario.options)
        let orphans = scenario.accounts.filter { $0.current == victim }
        let states = Dictionary(uniqueKeysWithValues: scenario.slots.map { ($0.id, $0.id == victim ? .dead : $0.state) })
        #expect(Set(result.moves.map(\.account)) == Set(orphans.map(\.id)))
        for account in scenario.accounts where account.current != victim {
            #expect(result.assignments[account.id] == account.current)
        }
        var pinned: [SlotID: Int] = [:]
        for orphan in orphans {
            if let pin = orphan.pin, states[pin] == .active { pinned[pin, default: 0] += 1 }
        }
        // Loads before the orphans arrived.
        var before: [SlotID: Int] = [:]
        for account in scenario.accounts where account.current != victim {
            if let current = account.current, states[current] != nil { before[current, default: 0] += 1 }
        }
        for move in result.moves {
            #expect(states[move.to] == .active)
            let capacity = result.capacities[move.to]!
            let load = result.loads[move.to]!
            #expect(load <= max(capacity, (before[move.to] ?? 0) + (pinned[move.to] ?? 0)))
        }
    }

    /// The target size: 100,000 accounts on 1,000 slots, full placement then one death.
    @Test func fullSizeFleet() throws {
        let fleet = SeededFleet(seed: 1000, slots: 1000, accounts: 100_000, servers: 200)
        let options = PlacementOptions(affinityWeight: 1)
        let initial = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: options)
        #expect(initial.assignments.count == 100_000)
        #expect(initial.capacities.values.allSatisfy { $0 == 125 })
        #expect(initial.loads.values.allSatisfy { $0 <= 125 })
        #expect(initial.loads.values.reduce(0, +) == 100_000)

        let placed = fleet.placed(by: initial)
        let victim = fleet.slots[500].id
        let fast = try Placement.reassign(orphansOf: victim, slots: fleet.slots, accounts: placed, options: options)
        #expect(fast.moves.count == initial.loads[victim])
        #expect(fast.loads[victim] == 0)
        // One slot fewer: capacity ceil(1.25 · 100,000 / 999) = 126.
        #expect(fast.capacities.values.allSatisfy { $0 == 126 })
        #expect(fast.loads.values.allSatisfy { $0 <= 126 })
        var withDead = fleet.slots
        withDead[500].state = .dead
        let full = try Placement.place(slots: withDead, accounts: placed, options: options)
        #expect(full == fast)
    }
}
