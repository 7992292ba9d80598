import Foundation
import KlaroCore
import Testing

@Suite("Placement.placeNewcomers")
struct NewcomerPlacementTests {
    let slots = (1...4).map { PlacementSlot(id: SlotID(host: "h", index: $0), weight: 1, state: .active) }

    @Test("newcomers fill slots within capacity, counting the loads they find")
    func respectsLoads() throws {
        let full = SlotID(host: "h", index: 1)
        // Every account weighs 1: load equals count.
        let loads = [full: 10, SlotID(host: "h", index: 2): 2, SlotID(host: "h", index: 3): 2, SlotID(host: "h", index: 4): 2]
            .mapValues { SlotLoad(accounts: $0, load: Double($0)) }
        let newcomers = (0..<8).map { _ in PlacementAccount(id: UUID(), pin: nil, current: nil, server: nil) }
        let result = try Placement.placeNewcomers(newcomers, placed: loads, slots: slots)
        let capacity = Placement.capacity(accounts: 24, weight: 1, totalWeight: 4, epsilon: 0.25)
        #expect(result.moves.count == 8 && result.unplaced.isEmpty)
        #expect(result.moves.allSatisfy { $0.to != full && $0.from == nil && $0.reason == .new })
        #expect(result.loads.values.allSatisfy { $0 <= max(capacity, 10) })
    }

    @Test("a pin wins; with no active slot, newcomers stay unplaced")
    func pinsAndNoSlot() throws {
        let pinned = SlotID(host: "h", index: 3)
        let account = PlacementAccount(id: UUID(), pin: pinned, current: nil, server: nil)
        #expect(try Placement.placeNewcomers([account], placed: [:], slots: slots).assignments[account.id] == pinned)
        let dead = slots.map { PlacementSlot(id: $0.id, weight: 1, state: .dead) }
        #expect(try Placement.placeNewcomers([account], placed: [:], slots: dead).unplaced == [account.id])
    }
}
