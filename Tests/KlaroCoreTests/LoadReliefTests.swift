import Foundation
import Testing
import KlaroCore

/// ``Placement/relieve(slots:accounts:options:maxMoves:)``: a few moves that take load off
/// slots that drifted past their bound, never pushing another slot past its own.
@Suite struct LoadReliefTests {
    static let a = SlotID(host: "a", index: 1), b = SlotID(host: "b", index: 1), c = SlotID(host: "c", index: 1)

    /// Accounts of the given loads on `slot`, with ids that sort in the order given.
    static func accounts(_ loads: [Double], on slot: SlotID?, from first: Int = 1, pin: SlotID? = nil) -> [PlacementAccount] {
        loads.enumerated().map { offset, load in
            let id = UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", first + offset))!
            return PlacementAccount(id: id, pin: pin, current: slot, load: load)
        }
    }

    static func id(_ n: Int) -> UUID { UUID(uuidString: String(format: "00000000-0000-0000-0000-%012d", n))! }

    @Test func theHeaviestAccountThatKeepsTheSourceAtItsFairShareMoves() throws {
        // ε 0: 6 accounts of total 1.2 on two slots, bound ceil(6/2) × 0.2 = 0.6 each.
        // a holds 1.0 (0.4 past), b 0.2 (0.4 room): the 0.4 account evens them in one move.
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b)]
        let accounts = Self.accounts([0.1, 0.4, 0.3, 0.2], on: Self.a) + Self.accounts([0.1, 0.1], on: Self.b, from: 5)
        let result = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 10)
        #expect(result.moves == [Move(account: Self.id(2), from: Self.a, to: Self.b, reason: .load)])
        #expect(abs(result.work[Self.a]! - 0.6) < 1e-12 && abs(result.work[Self.b]! - 0.6) < 1e-12)
        #expect(abs(result.workBounds[Self.a]! - 0.6) < 1e-12)
        #expect(result.assignments[Self.id(2)] == Self.b && result.assignments[Self.id(1)] == Self.a)
        #expect(result.assignments.count == 6)
    }

    @Test func pinnedAccountsStayAndTheNextHeaviestGo() throws {
        // As above with the 0.4 account pinned to a: 0.3 goes (a 0.7, b 0.5), then 0.1 (0.6, 0.6).
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b)]
        let accounts = Self.accounts([0.4], on: Self.a, pin: Self.a) + Self.accounts([0.3, 0.2, 0.1], on: Self.a, from: 2)
            + Self.accounts([0.1, 0.1], on: Self.b, from: 5)
        let result = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 10)
        #expect(result.moves.map(\.account) == [Self.id(2), Self.id(4)])
        #expect(result.moves.allSatisfy { $0.from == Self.a && $0.to == Self.b && $0.reason == .load })
    }

    @Test func theBudgetCapsTheMovesAndTheMostOverloadedSlotGoesFirst() throws {
        // ε 0, three slots of 10 accounts of 0.1 on average: bound 1.0. a holds 1.6, b 1.2, c 0.2.
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b), PlacementSlot(id: Self.c)]
        let accounts = Self.accounts(Array(repeating: 0.1, count: 16), on: Self.a)
            + Self.accounts(Array(repeating: 0.1, count: 12), on: Self.b, from: 17)
            + Self.accounts([0.1, 0.1], on: Self.c, from: 29)
        let one = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 1)
        #expect(one.moves.count == 1 && one.moves[0].from == Self.a && one.moves[0].to == Self.c)
        let all = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 100)
        // 6 off a, 2 off b: every slot at its bound, c full.
        #expect(all.moves.count { $0.from == Self.a } == 6 && all.moves.count { $0.from == Self.b } == 2)
        #expect(all.moves.allSatisfy { $0.to == Self.c })
        #expect(all.maxLoadRatio <= 1 + 1e-9)
        // a stays first while it is the most overloaded: the first four moves all take from a.
        #expect(all.moves.prefix(4).allSatisfy { $0.from == Self.a })
        #expect(try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 0).moves.isEmpty)
    }

    @Test func nothingMovesWithinTheBound() throws {
        // ε 0.25: bound ceil(1.25·30/3) = 13 accounts of 0.1 = 1.3; a at 1.2 is within it.
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b), PlacementSlot(id: Self.c)]
        let accounts = Self.accounts(Array(repeating: 0.1, count: 12), on: Self.a)
            + Self.accounts(Array(repeating: 0.1, count: 10), on: Self.b, from: 13)
            + Self.accounts(Array(repeating: 0.1, count: 8), on: Self.c, from: 23)
        let result = try Placement.relieve(slots: slots, accounts: accounts, maxMoves: 50)
        #expect(result.moves.isEmpty)
        #expect(result.assignments.count == 30)
    }

    @Test func cordonedAndDrainingSlotsNeitherGiveNorTake() throws {
        // a is cordoned with far more than a share, c draining and empty, b and d active. What
        // stays on a is not spread: b's 12 accounts of 0.1 share b and d, bound 6 × 0.1 each.
        let d = SlotID(host: "d", index: 1)
        let slots = [
            PlacementSlot(id: Self.a, state: .cordoned), PlacementSlot(id: Self.b),
            PlacementSlot(id: Self.c, state: .draining), PlacementSlot(id: d),
        ]
        let onA = Self.accounts(Array(repeating: 0.1, count: 20), on: Self.a)
        let result = try Placement.relieve(
            slots: slots, accounts: onA + Self.accounts(Array(repeating: 0.1, count: 12), on: Self.b, from: 21),
            options: PlacementOptions(epsilon: 0), maxMoves: 10)
        #expect(result.moves.count == 6 && result.moves.allSatisfy { $0.from == Self.b && $0.to == d })
        #expect(abs(result.workBounds[Self.b]! - 0.6) < 1e-12 && result.workBounds[Self.a] == nil)

        // Pinned to b, b's accounts stay past its bound: nothing else can move.
        let pinned = try Placement.relieve(
            slots: slots, accounts: onA + Self.accounts(Array(repeating: 0.1, count: 12), on: Self.b, from: 21, pin: Self.b),
            options: PlacementOptions(epsilon: 0), maxMoves: 10)
        #expect(pinned.moves.isEmpty)
    }

    @Test func accountsWithoutAUsableSlotAreLeftForThePlacement() throws {
        // 0.5 of load on a dead slot counts in the bound (it will land somewhere) but never moves here.
        let dead = SlotID(host: "x", index: 1)
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b), PlacementSlot(id: dead, state: .dead)]
        let accounts = Self.accounts([0.5], on: dead) + Self.accounts([0.5, 0.3], on: Self.a, from: 2)
            + Self.accounts([0.1], on: nil, from: 4)
        let result = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 10)
        // N 4, L 1.4: bound ceil(4/2) × 0.35 = 0.7 and fair share 0.7; a holds 0.8, b nothing. No
        // account weighs ≤ 0.1 (a's excess over its fair share), so the lightest that fits goes.
        #expect(result.moves == [Move(account: Self.id(3), from: Self.a, to: Self.b, reason: .load)])
        #expect(result.assignments[Self.id(1)] == nil && result.assignments[Self.id(4)] == nil)
    }

    @Test func theCheapLookFindsTheSlotsPastTheirBoundFromSums() throws {
        // a 1.6, b 1.2, c 0.2 in accounts of 0.1; d cordoned with 1.0 that stays there.
        let d = SlotID(host: "d", index: 1)
        let slots = [PlacementSlot(id: Self.a), PlacementSlot(id: Self.b), PlacementSlot(id: Self.c),
                     PlacementSlot(id: d, state: .cordoned)]
        let placed = [Self.a: SlotLoad(accounts: 16, load: 1.6), Self.b: SlotLoad(accounts: 12, load: 1.2),
                      Self.c: SlotLoad(accounts: 2, load: 0.2), d: SlotLoad(accounts: 10, load: 1.0)]
        // ε 0: bound 10 × 0.1 = 1.0; ε 0.25: 13 × 0.1 = 1.3.
        #expect(try Placement.slotsPastBound(placed: placed, slots: slots, epsilon: 0) == [Self.a, Self.b])
        #expect(try Placement.slotsPastBound(placed: placed, slots: slots, epsilon: 0.25) == [Self.a])
        // The same answer as relief's own bound from the accounts.
        let accounts = Self.accounts(Array(repeating: 0.1, count: 16), on: Self.a)
            + Self.accounts(Array(repeating: 0.1, count: 12), on: Self.b, from: 17)
            + Self.accounts([0.1, 0.1], on: Self.c, from: 29) + Self.accounts(Array(repeating: 0.1, count: 10), on: d, from: 31)
        let relief = try Placement.relieve(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: 0), maxMoves: 0)
        #expect(relief.workBounds.filter { relief.work[$0.key]! > $0.value * (1 + 1e-12) }.keys.sorted() == [Self.a, Self.b])
        #expect(Placement.reliefEpsilon(placement: 0.25) == 0.05 && Placement.reliefEpsilon(placement: 0.01) == 0.01)
    }

    @Test func invalidInputIsRefused() {
        let slots = [PlacementSlot(id: Self.a)]
        let twice = Self.accounts([0.1], on: Self.a) + Self.accounts([0.2], on: Self.a)
        #expect(throws: PlacementError.duplicateAccount(Self.id(1))) {
            try Placement.relieve(slots: slots, accounts: twice, maxMoves: 1)
        }
        #expect(throws: PlacementError.invalidLoad(Self.id(1), 0)) {
            try Placement.relieve(slots: slots, accounts: Self.accounts([0], on: Self.a), maxMoves: 1)
        }
    }

    // MARK: Properties

    /// A scenario (every slot state, pins, stale and missing assignments) with loads of three
    /// classes and sync times from 1 to 30 s.
    static func loaded(_ scenario: PlacementScenario) -> [PlacementAccount] {
        var rng = SplitMix64(seed: scenario.seed &+ 99)
        return scenario.accounts.map { account in
            var account = account
            account.load = Double(1 + rng.next() % 30) / [300.0, 900, 3600][Int(rng.next() % 3)]
            return account
        }
    }

    static let scenarios = (UInt64(0)..<40).map { PlacementScenario(seed: $0) }

    @Test(arguments: scenarios)
    func movesRespectBoundsBudgetAndPins(scenario: PlacementScenario) throws {
        let accounts = Self.loaded(scenario)
        let budget = Int(scenario.seed % 4) * 15
        let result = try Placement.relieve(slots: scenario.slots, accounts: accounts, options: scenario.options, maxMoves: budget)
        #expect(result.moves.count <= budget)
        let state = Dictionary(uniqueKeysWithValues: scenario.slots.map { ($0.id, $0.state) })
        let byID = Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0) })
        // Replay the moves from the current loads: each source past its bound at its turn, each
        // destination active and within its bound after it.
        var work: [SlotID: Double] = [:]
        for account in accounts {
            if let current = account.current, let s = state[current], s == .active || s == .cordoned {
                work[current, default: 0] += account.load
            }
        }
        let ratio = { (work: [SlotID: Double]) in
            result.workBounds.map { (work[$0.key] ?? 0) / $0.value }.max() ?? 0
        }
        let before = ratio(work)
        for move in result.moves {
            let account = try #require(byID[move.account])
            #expect(move.reason == .load && move.from == account.current)
            #expect(account.pin.map { state[$0] != .active } ?? true, "a pinned account moved")
            let from = try #require(move.from)
            #expect(state[from] == .active && state[move.to] == .active)
            #expect(work[from, default: 0] > result.workBounds[from]! * (1 + 1e-12))
            work[from, default: 0] -= account.load
            work[move.to, default: 0] += account.load
            #expect(work[move.to]! <= result.workBounds[move.to]! * (1 + 1e-9))
        }
        #expect(ratio(work) <= before + 1e-12)
        for (slot, load) in work { #expect(abs(load - (result.work[slot] ?? 0)) < 1e-9) }
        // Every account that moved no longer counts where it was; the rest keep their slot.
        let moved = Set(result.moves.map(\.account))
        for account in accounts where !moved.contains(account.id) {
            if let current = account.current, let s = state[current], s == .active || s == .cordoned {
                #expect(result.assignments[account.id] == current)
            }
        }
        // Relieving the result again with the budget left moves on from where it stopped; with
        // no slot past its bound there is nothing to do.
        let after = accounts.map { account in
            var account = account
            account.current = result.assignments[account.id] ?? account.current
            return account
        }
        let pastBound = result.workBounds.contains { (result.work[$0.key] ?? 0) > $0.value * (1 + 1e-12) }
        if !pastBound {
            #expect(try Placement.relieve(slots: scenario.slots, accounts: after, options: scenario.options, maxMoves: 100).moves.isEmpty)
        }
    }

    @Test(arguments: scenarios.prefix(15))
    func sameInputSameMovesWhateverTheOrder(scenario: PlacementScenario) throws {
        let accounts = Self.loaded(scenario)
        let first = try Placement.relieve(slots: scenario.slots, accounts: accounts, options: scenario.options, maxMoves: 40)
        let shuffled = try Placement.relieve(
            slots: scenario.slots.seededShuffle(seed: scenario.seed), accounts: accounts.seededShuffle(seed: scenario.seed + 1),
            options: scenario.options, maxMoves: 40)
        #expect(first == shuffled)
    }

    @Test(arguments: UInt64(0)..<10)
    func aBalancedPlacementNeedsNoRelief(seed: UInt64) throws {
        // Right after a full placement by load every active slot is within its bound (up to one
        // account's load, when no slot had room); with ε raised by that much nothing moves.
        let fleet = SeededFleet(seed: seed, slots: 20, accounts: 1_000, mixedWeights: seed % 2 == 1)
        var rng = SplitMix64(seed: seed)
        let weighed = fleet.accounts.map { account in
            var account = account
            account.load = Double(1 + rng.next() % 30) / 900
            return account
        }
        let options = PlacementOptions(epsilon: 0.1)
        let placed = try Placement.place(slots: fleet.slots, accounts: weighed, options: options, mode: .rebalance)
        let current = weighed.map { account in
            var account = account
            account.current = placed.assignments[account.id]
            return account
        }
        let result = try Placement.relieve(slots: fleet.slots, accounts: current, options: options, maxMoves: 100)
        #expect(placed.maxLoadRatio > 1 || result.moves.isEmpty)
        #expect(result.maxLoadRatio <= max(1, placed.maxLoadRatio) + 1e-12)
    }
}
