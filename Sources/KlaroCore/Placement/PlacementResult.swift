import Foundation

/// The outcome of a placement: the assignment to persist and the plan that gets there.
public struct PlacementResult: Sendable, Equatable {
    /// Every placed account's slot.
    public var assignments: [UUID: SlotID]
    /// What changes, pins first, then in account order; an account already on its slot has
    /// no move. Applying nothing makes it a dry run.
    public var moves: [Move]
    /// Accounts that got no slot because no active slot was left, in account order.
    public var unplaced: [UUID]
    /// Accounts per slot after the placement, for every slot passed in.
    public var loads: [SlotID: Int]
    /// Each active slot's capacity `ceil((1+ε)·N·w/W)`.
    public var capacities: [SlotID: Int]

    /// Creates a result.
    public init(
        assignments: [UUID: SlotID], moves: [Move], unplaced: [UUID],
        loads: [SlotID: Int], capacities: [SlotID: Int]
    ) {
        self.assignments = assignments
        self.moves = moves
        self.unplaced = unplaced
        self.loads = loads
        self.capacities = capacities
    }

    /// Moves of accounts that had a slot before (new accounts excluded).
    public var relocations: [Move] { moves.filter { $0.from != nil } }

    /// The largest `load / capacity` over active slots (above 1 only through pins).
    public var maxLoadRatio: Double {
        capacities.reduce(0) { ratio, entry in
            let load = Double(loads[entry.key] ?? 0)
            return max(ratio, entry.value > 0 ? load / Double(entry.value) : (load > 0 ? .infinity : 0))
        }
    }
}
