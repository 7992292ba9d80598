import Foundation

/// An account weighed by the work it makes: its sync time × how often it is synced.
public struct LoadAccount: Sendable, Equatable {
    public var id: UUID
    /// Busy-slot share: mean sync seconds ÷ interval seconds (e.g. 6 s every 300 s = 0.02).
    public var weight: Double
    /// The broker server it logs into, for affinity.
    public var server: String?

    public init(id: UUID, weight: Double, server: String? = nil) {
        self.id = id
        self.weight = weight
        self.server = server
    }
}

/// Where `LoadPlacement` put the accounts, and each active slot's load against its bound.
public struct LoadPlacementResult: Sendable, Equatable {
    public var assignments: [UUID: SlotID]
    public var loads: [SlotID: Double]
    public var capacities: [SlotID: Double]
    /// Accounts left without a slot: there is no active slot.
    public var unplaced: [UUID]
}

/// Placement by load rather than by count (issue 13), from scratch: ``Placement`` in
/// ``PlacementMode/rebalance`` mode with each account's ``PlacementAccount/load`` set to its
/// weight (sync time × frequency), so a slot of slow or often-synced accounts takes fewer of
/// them. klarod places through ``Placement`` directly (keeping assignments, pins, cordons);
/// this is the same computation for a fleet placed afresh.
///
/// Bound: an active slot of weight w takes load up to about `(1+ε) · L · w / W` (L: total
/// load, W: total slot weight; exactly `ceil((1+ε)·N·w/W)` accounts of the mean load);
/// accounts go heaviest first, each to its highest-scoring slot with room. When no slot has
/// room (only possible for accounts heavier than ε's slack), the account goes to the
/// least-filled slot, so no slot ever exceeds its bound by more than one account's weight.
///
/// Broker affinity: among the slots with room, one whose terminal logged into the account's
/// server at least `affinityGain` faster (by `loginMs`, per slot and server) than the
/// highest-scoring slot is preferred; it never takes a slot past its bound.
public enum LoadPlacement {
    /// A slot's measured login time to one broker server.
    public typealias LoginKey = PlacementOptions.LoginKey

    /// The smallest weight placement accepts: lighter accounts (0, or not a number) count as it.
    public static let minimumWeight = 1e-9

    public static func place(
        slots: [PlacementSlot], accounts: [LoadAccount], epsilon: Double = 0.25,
        loginMs: [LoginKey: Double] = [:], affinityGain: Double = 0.2
    ) -> LoadPlacementResult {
        let population = accounts.map { account in
            PlacementAccount(
                id: account.id, server: account.server,
                load: account.weight.isFinite ? max(minimumWeight, account.weight) : minimumWeight)
        }
        let options = PlacementOptions(
            epsilon: epsilon.isFinite ? max(0, epsilon) : 0.25,
            loginGain: affinityGain.isFinite ? min(max(0, affinityGain), 0.99) : 0, loginMs: loginMs)
        do {
            let result = try Placement.place(slots: slots, accounts: population, options: options, mode: .rebalance)
            let active = Set(slots.filter { $0.state == .active }.map(\.id))
            return LoadPlacementResult(
                assignments: result.assignments, loads: result.work.filter { active.contains($0.key) },
                capacities: result.workBounds,
                unplaced: result.unplaced.sorted { $0.uuidString < $1.uuidString }
            )
        } catch {
            // Only duplicate ids or invalid slot weights get here: nothing is placed.
            return LoadPlacementResult(
                assignments: [:], loads: [:], capacities: [:], unplaced: accounts.map(\.id).sorted { $0.uuidString < $1.uuidString })
        }
    }
}
