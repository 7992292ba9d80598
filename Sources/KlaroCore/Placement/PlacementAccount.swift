import Foundation

/// An account as placement sees it.
public struct PlacementAccount: Sendable, Equatable {
    public var id: UUID
    /// An operator's pin: honoured whenever that slot is active, even beyond its capacity.
    public var pin: SlotID?
    /// The persisted assignment, or nil for an account never placed.
    public var current: SlotID?
    /// The account's MT5 broker server, for broker affinity; nil for none.
    public var server: String?
    /// The work the account makes, in any unit common to all accounts of one placement: klarod
    /// uses busy-slot share, mean sync seconds ÷ interval seconds (``PlacementWork``). Finite
    /// and above 0; 1 for every account balances counts.
    public var load: Double

    /// Creates an account for placement.
    public init(id: UUID, pin: SlotID? = nil, current: SlotID? = nil, server: String? = nil, load: Double = 1) {
        self.id = id
        self.pin = pin
        self.current = current
        self.server = server
        self.load = load
    }
}
