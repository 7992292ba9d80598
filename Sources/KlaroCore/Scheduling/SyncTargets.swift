import Foundation

/// Target sync intervals per ``SyncClass``, in seconds: how often an account of each class is
/// synced while the fleet has headroom (issue 13).
public struct SyncTargets: Sendable, Equatable, Codable {
    public var moving: TimeInterval
    public var quiet: TimeInterval
    public var dormant: TimeInterval

    /// Moving 5 min, quiet 15 min (the plan's promise), dormant 60 min.
    public static let standard = SyncTargets(moving: 300, quiet: 900, dormant: 3600)

    /// Creates targets; each must be positive (``SyncPolicyError/nonPositiveTarget(_:)``).
    public init(moving: TimeInterval, quiet: TimeInterval, dormant: TimeInterval) {
        self.moving = moving
        self.quiet = quiet
        self.dormant = dormant
    }

    /// The target of `syncClass`.
    public subscript(syncClass: SyncClass) -> TimeInterval {
        get {
            switch syncClass {
            case .moving: moving
            case .quiet: quiet
            case .dormant: dormant
            }
        }
        set {
            switch syncClass {
            case .moving: moving = newValue
            case .quiet: quiet = newValue
            case .dormant: dormant = newValue
            }
        }
    }

    /// Parses a plan override such as `moving=120,quiet=600`: classes not named keep `base`'s.
    public static func parse(_ text: String, base: SyncTargets) throws(SyncPolicyError) -> SyncTargets {
        var targets = base
        for part in text.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, let syncClass = SyncClass(rawValue: pair[0]) else {
                throw .malformedPlanTargets(text)
            }
            guard let seconds = TimeInterval(pair[1]), seconds.isFinite, seconds > 0 else {
                throw .nonPositiveTarget(pair[0])
            }
            targets[syncClass] = seconds
        }
        return targets
    }

    /// Parses `KLARO_SYNC_PLAN_TARGETS`: `plan:class=seconds,…` entries separated by `;`,
    /// e.g. `pro:moving=120,quiet=600;max:moving=60`.
    public static func parsePlans(_ text: String, base: SyncTargets) throws(SyncPolicyError) -> [String: SyncTargets] {
        var plans: [String: SyncTargets] = [:]
        for entry in text.split(separator: ";") where !entry.allSatisfy(\.isWhitespace) {
            let parts = entry.split(separator: ":", maxSplits: 1)
            let name = parts.first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
            guard parts.count == 2, !name.isEmpty, plans[name] == nil else {
                throw .malformedPlanTargets(String(entry))
            }
            plans[name] = try parse(String(parts[1]), base: base)
        }
        return plans
    }
}
