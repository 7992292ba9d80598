import Foundation
import Testing
@testable import KlaroCore

/// Hand-built placement cases: each move reason, errors, edge cases.
@Suite struct PlacementTests {
    private func slot(_ host: String, _ index: Int = 1) -> SlotID { SlotID(host: host, index: index) }

    @Test func everyMoveReason() throws {
        var rng = SplitMix64(seed: 1)
        let (a1, a2, c1, d1, x1, gone) = (slot("a", 1), slot("a", 2), slot("c"), slot("d"), slot("x"), slot("g"))
        let slots = [
            PlacementSlot(id: a1), PlacementSlot(id: a2), PlacementSlot(id: c1, state: .cordoned),
            PlacementSlot(id: d1, state: .draining), PlacementSlot(id: x1, state: .dead),
        ]
        let crowd = (0..<12).map { _ in PlacementAccount(id: .seeded(&rng), current: a1) }
        let newcomer = PlacementAccount(id: .seeded(&rng))
        let fromGone = PlacementAccount(id: .seeded(&rng), current: gone)
        let fromDead = PlacementAccount(id: .seeded(&rng), current: x1)
        let fromDraining = PlacementAccount(id: .seeded(&rng), current: d1)
        let pinned = PlacementAccount(id: .seeded(&rng), pin: a2, current: a1)
        let cordoned = PlacementAccount(id: .seeded(&rng), current: c1)
        let accounts = crowd + [newcomer, fromGone, fromDead, fromDraining, pinned, cordoned]

        let result = try Placement.place(slots: slots, accounts: accounts)
        // N = 18 accounts − 1 kept on the cordoned slot; capacity ceil(1.25 · 17 / 2) = 11.
        #expect(result.capacities == [a1: 11, a2: 11])
        let reasons = Dictionary(uniqueKeysWithValues: result.moves.map { ($0.account, $0.reason) })
        #expect(reasons[newcomer.id] == .new)
        #expect(reasons[fromGone.id] == .slotGone)
        #expect(reasons[fromDead.id] == .slotGone)
        #expect(reasons[fromDraining.id] == .drain)
        #expect(reasons[pinned.id] == .pin)
        #expect(reasons[cordoned.id] == nil)
        #expect(result.assignments[cordoned.id] == c1)
        // Twelve on a1 with room for eleven: the weakest claim moves.
        let shed = crowd.filter { reasons[$0.id] != nil }
        #expect(shed.count == 1)
        #expect(shed.allSatisfy { reasons[$0.id] == .overCapacity && result.assignments[$0.id] == a2 })
        #expect(result.loads == [a1: 11, a2: 6, c1: 1, d1: 0, x1: 0])
        #expect(result.moves.count == 6)
        PlacementInvariants.check(result, slots: slots, accounts: accounts, options: PlacementOptions())

        let rebalanced = try Placement.place(slots: slots, accounts: accounts, mode: .rebalance)
        PlacementInvariants.check(rebalanced, slots: slots, accounts: accounts, options: PlacementOptions(), mode: .rebalance)
        #expect(rebalanced.moves.contains { $0.reason == .rebalance })
        #expect(rebalanced.assignments[pinned.id] == a2)
        #expect(rebalanced.assignments[cordoned.id] == c1)
    }

    @Test func accountOverflowingTheShedSlotKeepsTheStrongestClaims() throws {
        // Everyone on one of two slots: the keepers are those scoring highest there.
        var rng = SplitMix64(seed: 2)
        let (left, right) = (slot("l"), slot("r"))
        let accounts = (0..<40).map { _ in PlacementAccount(id: .seeded(&rng), current: left) }
        let slots = [PlacementSlot(id: left), PlacementSlot(id: right)]
        let result = try Placement.place(slots: slots, accounts: accounts)
        #expect(result.loads[left] == 25)
        #expect(result.moves.count == 15)
        #expect(result.moves.allSatisfy { $0.reason == .overCapacity && $0.to == right })
        // The keepers are the 25 accounts with the highest rendezvous score for `left`.
        let byScore = accounts.map(\.id).sorted { a, b in
            let ua = StableHash.unitInterval(StableHash.mix(StableHash.hash(a) ^ left.placementKey))
            let ub = StableHash.unitInterval(StableHash.mix(StableHash.hash(b) ^ left.placementKey))
            return -1 / log(ua) > -1 / log(ub)
        }
        let kept = Set(accounts.map(\.id).filter { result.assignments[$0] == left })
        #expect(kept == Set(byScore.prefix(25)))
    }

    @Test func pinsBeyondCapacityAreHonoured() throws {
        var rng = SplitMix64(seed: 1003)
        let fleet = SeededFleet(seed: 3, slots: 4, accounts: 40)
        let target = fleet.slots[2].id
        var accounts = fleet.accounts
        for i in 0..<30 { accounts[i].pin = target }
        accounts.append(PlacementAccount(id: .seeded(&rng), pin: slot("nowhere")))
        let result = try Placement.place(slots: fleet.slots, accounts: accounts)
        #expect(result.loads[target] == 30)
        #expect(result.capacities[target] == Int((1.25 * 41 / 4).rounded(.up)))
        #expect(accounts.prefix(30).allSatisfy { result.assignments[$0.id] == target })
        #expect(result.assignments[accounts[40].id] != nil)
        PlacementInvariants.check(result, slots: fleet.slots, accounts: accounts, options: PlacementOptions())
    }

    @Test func pinToAnUnusableSlotIsIgnored() throws {
        var rng = SplitMix64(seed: 4)
        let (good, cordoned, draining) = (slot("g"), slot("c"), slot("d"))
        let slots = [PlacementSlot(id: good), PlacementSlot(id: cordoned, state: .cordoned),
                     PlacementSlot(id: draining, state: .draining)]
        let accounts = [
            PlacementAccount(id: .seeded(&rng), pin: cordoned),
            PlacementAccount(id: .seeded(&rng), pin: draining, current: draining),
        ]
        let result = try Placement.place(slots: slots, accounts: accounts)
        #expect(result.assignments[accounts[0].id] == good)
        #expect(result.assignments[accounts[1].id] == good)
        #expect(Set(result.moves.map(\.reason)) == [.new, .drain])
    }

    @Test func noActiveSlotLeavesAccountsUnplaced() throws {
        var rng = SplitMix64(seed: 5)
        let (cordoned, draining) = (slot("c"), slot("d"))
        let slots = [PlacementSlot(id: cordoned, state: .cordoned), PlacementSlot(id: draining, state: .draining)]
        let stays = PlacementAccount(id: .seeded(&rng), current: cordoned)
        let stranded = PlacementAccount(id: .seeded(&rng), current: draining)
        let fresh = PlacementAccount(id: .seeded(&rng))
        let result = try Placement.place(slots: slots, accounts: [stays, stranded, fresh])
        #expect(result.assignments == [stays.id: cordoned])
        #expect(Set(result.unplaced) == [stranded.id, fresh.id])
        #expect(result.moves.isEmpty)
        #expect(result.capacities.isEmpty)
        #expect(try Placement.place(slots: [], accounts: []).assignments.isEmpty)
    }

    @Test func invalidInputIsRefused() {
        var rng = SplitMix64(seed: 6)
        let id = UUID.seeded(&rng)
        let a = slot("a")
        #expect(throws: PlacementError.duplicateSlot(a)) {
            try Placement.place(slots: [PlacementSlot(id: a), PlacementSlot(id: a)], accounts: [])
        }
        #expect(throws: PlacementError.duplicateAccount(id)) {
            try Placement.place(slots: [PlacementSlot(id: a)], accounts: [PlacementAccount(id: id), PlacementAccount(id: id)])
        }
        #expect(throws: PlacementError.duplicateAccount(id)) {
            try Placement.reassign(orphansOf: slot("b"), slots: [PlacementSlot(id: a)],
                                   accounts: [PlacementAccount(id: id, current: a), PlacementAccount(id: id, current: a)])
        }
        for weight in [0, -1, .nan, .infinity] {
            #expect(throws: PlacementError.self) {
                try Placement.place(slots: [PlacementSlot(id: a, weight: weight)], accounts: [])
            }
        }
        #expect(throws: PlacementError.invalidEpsilon(-0.1)) {
            try Placement.place(slots: [], accounts: [], options: PlacementOptions(epsilon: -0.1))
        }
        #expect(throws: PlacementError.invalidAffinityWeight(.infinity)) {
            try Placement.place(slots: [], accounts: [], options: PlacementOptions(affinityWeight: .infinity))
        }
        #expect(PlacementError.invalidWeight(a, 0).description.contains("a:1"))
    }

    @Test func brokerAffinityGathersAServerOnOneHost() throws {
        // 10 hosts of 4 slots, 20 servers of about 200 accounts each.
        let fleet = SeededFleet(seed: 8, slots: 40, accounts: 4000, servers: 20)
        /// The share of accounts on their server's most common host.
        func gathered(_ options: PlacementOptions) throws -> Double {
            let result = try Placement.place(slots: fleet.slots, accounts: fleet.accounts, options: options)
            PlacementInvariants.check(result, slots: fleet.slots, accounts: fleet.accounts, options: options)
            var hostsByServer: [String: [String: Int]] = [:]
            for account in fleet.accounts {
                hostsByServer[account.server!, default: [:]][result.assignments[account.id]!.host, default: 0] += 1
            }
            let onTopHost = hostsByServer.values.reduce(0) { $0 + $1.values.max()! }
            return Double(onTopHost) / Double(fleet.accounts.count)
        }
        // Without affinity a server spreads evenly over the 10 hosts.
        #expect(try gathered(PlacementOptions()) < 0.2)
        // With slack enough that capacity never binds, the home host's share is the documented
        // (1+α)·W_home / ((1+α)·W_home + W_rest) = 41·4 / (41·4 + 36) = 0.82 for α = 40.
        let unbounded = try gathered(PlacementOptions(epsilon: 10, affinityWeight: 40))
        #expect(abs(unbounded - 0.82) < 0.05, "share \(unbounded)")
        // With the default slack, busy home hosts fill up and the rest overflow, but most stay.
        #expect(try gathered(PlacementOptions(affinityWeight: 40)) > 0.6)
    }
}
