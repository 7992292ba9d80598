import Foundation

/// MT5's `ENUM_DEAL_ENTRY`, encoded as its integer value.
public enum DealEntry: Int, Codable, Sendable, CaseIterable {
    /// Opens a position or adds to it.
    case `in` = 0
    /// Closes a position, fully or partly.
    case out = 1
    /// Reverses a netting position: closes it and opens the opposite one with the excess.
    case `inout` = 2
    /// Closes a position by an opposite one (MT5's "close by").
    case outBy = 3
}
