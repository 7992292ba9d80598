import Foundation

/// How often an account is synced, told to its trader (issue 13): the class decides the
/// target, the fleet's load may stretch it, and the trader should know both without reading
/// the docs.
public struct SyncCadence: Sendable, Equatable {
    public var syncClass: SyncClass
    /// The class's target for the owner's plan, in seconds.
    public var target: TimeInterval
    /// The interval in force now: target × stretch, in seconds.
    public var interval: TimeInterval
    /// No terminal slot of an admitted host is alive: nothing syncs, whatever the interval
    /// (the policy then stretches every class to its bound, which is not "busy").
    public var terminalsOffline: Bool

    /// - Parameters:
    ///   - target: the class's target for the owner's plan (``SyncPolicy/target(_:plan:)``).
    ///   - interval: the interval in force (``SyncPolicy/interval(_:plan:factors:)``); never
    ///     shorter than the target.
    ///   - terminalsOffline: whether the fleet has no live slot of an admitted host.
    public init(syncClass: SyncClass, target: TimeInterval, interval: TimeInterval, terminalsOffline: Bool = false) {
        self.syncClass = syncClass
        self.target = target
        self.interval = max(target, interval)
        self.terminalsOffline = terminalsOffline
    }

    /// Whether the fleet's load makes this account wait longer than its target (by more than
    /// rounding: a stretch of 1.01 is not news to a trader).
    public var isStretched: Bool { interval > target * 1.05 }

    /// One sentence for the accounts page, e.g. "Synced about every 5 min while it has open
    /// positions or traded in the last day."
    public var text: String {
        let every = "Synced about every \(Self.duration(target))"
        let why = switch syncClass {
        case .moving: "\(every) while it has open positions or traded in the last day."
        case .quiet: "\(every)."
        case .dormant: "\(every): no positions and no deals for 7 days. Trade again and it speeds up after its next sync; Sync now fetches at once."
        }
        if terminalsOffline {
            return why + " No Klaro terminal is online right now: syncing resumes as soon as one is back."
        }
        guard isStretched else { return why }
        return why + " Klaro's terminals are busy right now: about every \(Self.duration(interval)) until they catch up."
    }

    /// A duration the way people say it: "45 s", "5 min", "1 h", "1 h 30 min" (rounded to
    /// the minute from a minute on, to the 5 minutes from 2 hours on).
    public static func duration(_ seconds: TimeInterval) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "a while" }
        if seconds < 59.5 { return "\(Int(seconds.rounded())) s" }
        var minutes = Int((seconds / 60).rounded())
        if minutes >= 120 { minutes = Int((Double(minutes) / 5).rounded()) * 5 }
        if minutes < 60 { return "\(minutes) min" }
        let hours = minutes / 60, rest = minutes % 60
        return rest == 0 ? "\(hours) h" : "\(hours) h \(rest) min"
    }
}
