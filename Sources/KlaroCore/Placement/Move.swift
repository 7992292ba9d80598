import Foundation

/// Why placement moves (or first places) an account.
public enum MoveReason: String, Codable, Sendable, CaseIterable {
    /// The account had no slot.
    case new
    /// Its slot is dead or no longer exists.
    case slotGone = "slot_gone"
    /// Its slot's host is draining.
    case drain
    /// Its slot holds more than its capacity; the account with the weakest claim moves.
    case overCapacity = "over_capacity"
    /// An operator pinned it to another (active) slot.
    case pin
    /// An explicit rebalance put it on its ideal slot.
    case rebalance
    /// Its slot's load drifted past its bound as accounts changed class; load relief moved it
    /// to the slot with the most room (``Placement/relieve(slots:accounts:options:maxMoves:)``).
    case load
}

/// One entry of a move plan: `account` goes from `from` (nil for a new account) to `to`.
public struct Move: Sendable, Equatable, Codable {
    public var account: UUID
    public var from: SlotID?
    public var to: SlotID
    public var reason: MoveReason

    /// Creates a move.
    public init(account: UUID, from: SlotID?, to: SlotID, reason: MoveReason) {
        self.account = account
        self.from = from
        self.to = to
        self.reason = reason
    }
}
