import Foundation

/// A group of active accounts of one class (and plan) and their mean sync time: the policy's
/// view of the fleet's work.
public struct SyncLoad: Sendable, Equatable {
    public var syncClass: SyncClass
    /// The owners' plan, for per-plan targets; nil: the default targets.
    public var plan: String?
    public var accounts: Int
    /// Mean sync time (login + fetch) of these accounts, in seconds.
    public var meanSyncSeconds: Double

    public init(syncClass: SyncClass, plan: String? = nil, accounts: Int, meanSyncSeconds: Double) {
        self.syncClass = syncClass
        self.plan = plan
        self.accounts = accounts
        self.meanSyncSeconds = meanSyncSeconds
    }

    /// Slot-seconds of work per second when synced every `interval` seconds.
    public func demand(interval: TimeInterval) -> Double {
        guard accounts > 0, meanSyncSeconds > 0, interval > 0 else { return 0 }
        return Double(accounts) * meanSyncSeconds / interval
    }
}
