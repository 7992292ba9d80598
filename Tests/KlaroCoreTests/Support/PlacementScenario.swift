import Foundation
import Testing
import KlaroCore

/// A random placement problem with every kind of slot state, pins, stale assignments and
/// broker servers, fixed by its seed.
struct PlacementScenario: CustomTestStringConvertible {
    var seed: UInt64
    var slots: [PlacementSlot]
    var accounts: [PlacementAccount]
    var options: PlacementOptions

    static let goneSlot = SlotID(host: "gone-host", index: 1)

    init(seed: UInt64, slots slotCount: Int = 24, accounts accountCount: Int = 600) {
        self.seed = seed
        var rng = SplitMix64(seed: seed &* 7919 &+ 17)
        let states: [SlotState] = [.active, .active, .active, .active, .active, .active, .cordoned, .draining, .dead]
        slots = (0..<slotCount).map { i in
            PlacementSlot(
                id: SlotID(host: "h\(i / 4)", index: i % 4 + 1),
                weight: Double(1 + rng.next() % 4),
                state: i == 0 ? .active : states[Int(rng.next() % UInt64(states.count))]
            )
        }
        let ids = slots.map(\.id)
        accounts = (0..<accountCount).map { _ in
            var account = PlacementAccount(id: UUID.seeded(&rng))
            switch rng.next() % 10 {
            case 0, 1: account.current = nil
            case 2: account.current = Self.goneSlot
            default: account.current = ids[Int(rng.next() % UInt64(ids.count))]
            }
            if rng.next() % 20 == 0 { account.pin = ids[Int(rng.next() % UInt64(ids.count))] }
            if rng.next() % 4 != 0 { account.server = "Broker-\(rng.next() % 6)" }
            return account
        }
        let epsilons = [0.25, 0.25, 0.1, 0, 1]
        let affinities = [0.0, 0, 0.5, 3]
        options = PlacementOptions(
            epsilon: epsilons[Int(rng.next() % UInt64(epsilons.count))],
            affinityWeight: affinities[Int(rng.next() % UInt64(affinities.count))]
        )
    }

    var testDescription: String { "scenario \(seed)" }
}

/// Checks that hold for every placement result; records an issue for each violation.
enum PlacementInvariants {
    static func check(
        _ result: PlacementResult, slots: [PlacementSlot], accounts: [PlacementAccount],
        options: PlacementOptions, mode: PlacementMode = .keepCurrent, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let byID = Dictionary(uniqueKeysWithValues: slots.map { ($0.id, $0) })
        let active = slots.filter { $0.state == .active }.sorted { $0.id < $1.id }
        let totalWeight = active.reduce(0) { $0 + $1.weight }
        let counted = result.countedLoads
        let keptOnCordoned = slots.filter { $0.state == .cordoned }.reduce(0) { $0 + (counted[$1.id] ?? 0) }
        let spread = Double(accounts.count - keptOnCordoned)
        var pinsPerSlot: [SlotID: Int] = [:]
        for account in accounts {
            if let pin = account.pin, byID[pin]?.state == .active { pinsPerSlot[pin, default: 0] += 1 }
        }

        // Capacity: ceil((1+ε)·N·w/W), exceeded only by pins.
        for slot in active {
            let capacity = Int(((1 + options.epsilon) * spread * slot.weight / totalWeight).rounded(.up))
            #expect(result.capacities[slot.id] == capacity, "capacity of \(slot.id)", sourceLocation: sourceLocation)
            let load = counted[slot.id] ?? 0
            #expect(load <= max(capacity, pinsPerSlot[slot.id] ?? 0),
                    "\(slot.id) holds \(load) > capacity \(capacity)", sourceLocation: sourceLocation)
        }
        #expect(result.capacities.count == active.count, sourceLocation: sourceLocation)
        for slot in slots {
            #expect(result.loads[slot.id] ?? 0 == counted[slot.id] ?? 0, "load of \(slot.id)", sourceLocation: sourceLocation)
        }

        let moves = Dictionary(uniqueKeysWithValues: result.moves.map { ($0.account, $0) })
        let unplaced = Set(result.unplaced)
        for account in accounts {
            let slot = result.assignments[account.id]
            let state = slot.flatMap { byID[$0]?.state }
            // Every account is placed on a usable slot, or unplaced only when no slot is active.
            if let slot {
                #expect(state == .active || (state == .cordoned && account.current == slot),
                        "\(account.id) on \(slot) (\(String(describing: state)))", sourceLocation: sourceLocation)
            } else {
                #expect(unplaced.contains(account.id) && active.isEmpty, sourceLocation: sourceLocation)
            }
            // Pins to active slots always hold.
            if let pin = account.pin, byID[pin]?.state == .active {
                #expect(slot == pin, "pin of \(account.id)", sourceLocation: sourceLocation)
            }
            // Accounts on cordoned slots stay unless pinned to an active slot.
            if let current = account.current, byID[current]?.state == .cordoned,
               account.pin.flatMap({ byID[$0]?.state }) != .active {
                #expect(slot == current, "cordoned \(current) lost \(account.id)", sourceLocation: sourceLocation)
            }
            // The plan matches the assignment, with the right reason.
            if let slot, slot != account.current {
                guard let move = moves[account.id] else {
                    Issue.record("no move for \(account.id)", sourceLocation: sourceLocation)
                    continue
                }
                #expect(move.from == account.current && move.to == slot, sourceLocation: sourceLocation)
                #expect(expectedReasons(account, byID, mode).contains(move.reason),
                        "reason \(move.reason) for \(account.id)", sourceLocation: sourceLocation)
                // An account leaves its slot for capacity only when the slot is full.
                if move.reason == .overCapacity, let from = move.from {
                    #expect((counted[from] ?? 0) >= (result.capacities[from] ?? 0), sourceLocation: sourceLocation)
                }
            } else {
                #expect(moves[account.id] == nil, "spurious move of \(account.id)", sourceLocation: sourceLocation)
            }
        }
        // Draining, dead and unknown slots end empty.
        for (slot, load) in counted where byID[slot].map({ $0.state == .draining || $0.state == .dead }) ?? true {
            Issue.record("\(slot) still holds \(load) accounts", sourceLocation: sourceLocation)
        }
    }

    private static func expectedReasons(
        _ account: PlacementAccount, _ byID: [SlotID: PlacementSlot], _ mode: PlacementMode
    ) -> Set<MoveReason> {
        if let pin = account.pin, byID[pin]?.state == .active {
            return account.current == nil ? [.new] : [.pin]
        }
        guard let current = account.current else { return [.new] }
        switch byID[current]?.state {
        case nil, .dead: return [.slotGone]
        case .draining: return [.drain]
        case .active, .cordoned: return mode == .keepCurrent ? [.overCapacity] : [.rebalance]
        }
    }
}
