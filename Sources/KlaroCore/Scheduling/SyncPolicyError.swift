import Foundation

/// Why a sync policy's settings are refused; each message names what to fix.
public enum SyncPolicyError: Error, Equatable, CustomStringConvertible {
    case nonPositiveTarget(String)
    case utilisationOutOfRange(Double)
    case stretchBelowOne(Double)
    case malformedPlanTargets(String)

    public var description: String {
        switch self {
        case .nonPositiveTarget(let name):
            "the target interval of \(name) must be a positive number of seconds"
        case .utilisationOutOfRange(let value):
            "the target utilisation must be in (0, 1], got \(value)"
        case .stretchBelowOne(let value):
            "the maximum stretch must be at least 1, got \(value)"
        case .malformedPlanTargets(let text):
            "plan targets must look like moving=120,quiet=600,dormant=3600, got \"\(text)\""
        }
    }
}
