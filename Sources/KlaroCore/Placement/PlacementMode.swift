import Foundation

/// How a full placement treats current assignments.
public enum PlacementMode: String, Sendable, Codable, CaseIterable {
    /// Minimal movement: an account keeps its slot while the slot is active and within
    /// capacity, or cordoned.
    case keepCurrent = "keep_current"
    /// Ignore current assignments on active slots and return the ideal assignment; pins and
    /// cordoned slots' accounts still stay.
    case rebalance
}
