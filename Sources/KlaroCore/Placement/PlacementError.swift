import Foundation

/// Input placement refuses, with what to fix.
public enum PlacementError: Error, Sendable, Equatable, CustomStringConvertible {
    case duplicateSlot(SlotID)
    case duplicateAccount(UUID)
    case invalidWeight(SlotID, Double)
    case invalidEpsilon(Double)
    case invalidAffinityWeight(Double)
    case invalidLoad(UUID, Double)
    case invalidLoginGain(Double)

    public var description: String {
        switch self {
        case .duplicateSlot(let slot):
            "placement: slot \(slot) is listed twice; pass each slot once"
        case .duplicateAccount(let account):
            "placement: account \(account) is listed twice; pass each account once"
        case .invalidWeight(let slot, let weight):
            "placement: slot \(slot) has weight \(weight); a weight must be a finite number above 0"
        case .invalidEpsilon(let epsilon):
            "placement: epsilon \(epsilon) is invalid; it must be a finite number ≥ 0 (default 0.25)"
        case .invalidAffinityWeight(let weight):
            "placement: affinity weight \(weight) is invalid; it must be a finite number ≥ 0 (0 = off)"
        case .invalidLoad(let account, let load):
            "placement: account \(account) has load \(load); a load must be a finite number above 0"
        case .invalidLoginGain(let gain):
            "placement: login gain \(gain) is invalid; it must be at least 0 and below 1 (0 = off)"
        }
    }
}
