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
    /// Each active slot's capacity in accounts of the mean load, `ceil((1+ε)·N·w/W)`.
    public var capacities: [SlotID: Int]
    /// The accounts' load (``PlacementAccount/load``) per slot after the placement, for every slot.
    public var work: [SlotID: Double]
    /// Each active slot's bound on load: its capacity × the mean load of the accounts spread.
    public var workBounds: [SlotID: Double]

    /// Creates a result; without `work`, every account weighs 1 (work = loads, bounds = capacities).
    public init(
        assignments: [UUID: SlotID], moves: [Move], unplaced: [UUID],
        loads: [SlotID: Int], capacities: [SlotID: Int],
        work: [SlotID: Double]? = nil, workBounds: [SlotID: Double]? = nil
    ) {
        self.assignments = assignments
        self.moves = moves
        self.unplaced = unplaced
        self.loads = loads
        self.capacities = capacities
        self.work = work ?? loads.mapValues(Double.init)
        self.workBounds = workBounds ?? capacities.mapValues(Double.init)
    }

    /// Moves of accounts that had a slot before (new accounts excluded).
    public var relocations: [Move] { moves.filter { $0.from != nil } }

    /// The largest `work / bound` over active slots (above 1 only through pins, or by less than
    /// one account's load when no slot had room for an account).
    public var maxLoadRatio: Double {
        workBounds.reduce(0) { ratio, entry in
            let load = work[entry.key] ?? 0
            return max(ratio, entry.value > 0 ? load / entry.value : (load > 0 ? .infinity : 0))
        }
    }
}
