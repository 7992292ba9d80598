import Foundation

/// The policy's answer for one moment: by how much each class's target is stretched, and the
/// demand it leads to.
public struct SyncStretch: Sendable, Equatable {
    /// Per class, effective interval ÷ target (1: on target).
    public var factors: [SyncClass: Double]
    /// Busy slots needed at the targets.
    public var demandAtTargets: Double
    /// Busy slots needed at the stretched intervals.
    public var demand: Double
    /// Live slots.
    public var slots: Int
    /// Utilisation × slots: the busy slots the policy aims at.
    public var budget: Double

    /// Stretch factor of `syncClass` (1 when on target).
    public func factor(_ syncClass: SyncClass) -> Double { factors[syncClass] ?? 1 }

    /// Whether any class is stretched.
    public var isStretched: Bool { factors.values.contains { $0 > 1 } }

    /// Whether the stretched intervals fit the budget (false only without any live slot).
    public var fitsBudget: Bool { demand <= budget * (1 + 1e-9) }

    /// Demand at targets ÷ live slots (`klaro_fleet_demand_ratio`); infinite without slots
    /// when there is work.
    public var demandRatio: Double {
        slots > 0 ? demandAtTargets / Double(slots) : (demandAtTargets > 0 ? .infinity : 0)
    }
}
