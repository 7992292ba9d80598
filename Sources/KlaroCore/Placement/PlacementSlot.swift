import Foundation

/// What placement may do with a slot. The caller derives it from the slot's and its host's
/// states: a slot is `active` when it is active, its heartbeat is fresh and its host is
/// neither draining nor cordoned (DESIGN §4).
public enum SlotState: String, Codable, Sendable, CaseIterable {
    /// Keeps its accounts and takes new ones, up to its capacity.
    case active
    /// Keeps the accounts it has (even beyond capacity) and takes no new ones, pins included.
    case cordoned
    /// Loses its accounts (move reason `drain`) and takes none.
    case draining
    /// Dead or removed: loses its accounts (move reason `slot_gone`) and takes none.
    case dead
}

/// A slot as placement sees it.
public struct PlacementSlot: Sendable, Equatable {
    public var id: SlotID
    /// The slot's share of accounts relative to other slots; finite and greater than 0.
    public var weight: Double
    public var state: SlotState

    /// Creates a slot; `weight` defaults to 1.
    public init(id: SlotID, weight: Double = 1, state: SlotState = .active) {
        self.id = id
        self.weight = weight
        self.state = state
    }

    /// The host the slot runs on.
    public var hostID: String { id.host }
}
