import Foundation
import KlaroCore

extension UUID {
    /// A UUID drawn from a seeded generator, so random fleets are reproducible.
    static func seeded(_ rng: inout SplitMix64) -> UUID {
        let high = rng.next()
        let low = rng.next()
        func byte(_ word: UInt64, _ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: word >> (56 - 8 * UInt64(i))) }
        return UUID(uuid: (
            byte(high, 0), byte(high, 1), byte(high, 2), byte(high, 3),
            byte(high, 4), byte(high, 5), byte(high, 6), byte(high, 7),
            byte(low, 0), byte(low, 1), byte(low, 2), byte(low, 3),
            byte(low, 4), byte(low, 5), byte(low, 6), byte(low, 7)
        ))
    }
}

/// A random fleet of slots and accounts, fixed by its seed.
struct SeededFleet {
    var slots: [PlacementSlot]
    var accounts: [PlacementAccount]

    /// - Parameters:
    ///   - slotsPerHost: slots are grouped on hosts of this size.
    ///   - mixedWeights: weights 1…4 instead of all 1.
    ///   - servers: number of broker servers the accounts spread over (0 = none).
    init(seed: UInt64, slots slotCount: Int, accounts accountCount: Int,
         slotsPerHost: Int = 4, mixedWeights: Bool = false, servers: Int = 0) {
        var rng = SplitMix64(seed: seed)
        slots = (0..<slotCount).map { i in
            PlacementSlot(
                id: SlotID(host: "h\(i / slotsPerHost)", index: i % slotsPerHost + 1),
                weight: mixedWeights ? Double(1 + rng.next() % 4) : 1
            )
        }
        accounts = (0..<accountCount).map { _ in
            PlacementAccount(
                id: UUID.seeded(&rng),
                server: servers > 0 ? "Broker-\(rng.next() % UInt64(servers))" : nil
            )
        }
    }

    /// The accounts with their current slot taken from a placement's result.
    func placed(by result: PlacementResult) -> [PlacementAccount] {
        accounts.map { account in
            var account = account
            account.current = result.assignments[account.id]
            return account
        }
    }
}

extension PlacementResult {
    /// Accounts per slot counted from the assignments (independent of `loads`).
    var countedLoads: [SlotID: Int] {
        assignments.values.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }
}

extension Array {
    /// The elements in a seeded random order.
    func seededShuffle(seed: UInt64) -> [Element] {
        var rng = SplitMix64(seed: seed)
        return shuffled(using: &rng)
    }
}
