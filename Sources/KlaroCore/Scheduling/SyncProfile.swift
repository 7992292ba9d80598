import Foundation

/// One active account as the capacity model sees it: class, plan and average sync time.
public struct SyncProfile: Sendable, Equatable {
    public var syncClass: SyncClass
    public var plan: String?
    /// ``SyncTimeAverage`` of login + fetch in ms; nil before the first measured sync.
    public var averageSyncMs: Int?

    public init(syncClass: SyncClass, plan: String? = nil, averageSyncMs: Int?) {
        self.syncClass = syncClass
        self.plan = plan
        self.averageSyncMs = averageSyncMs
    }

    /// Sync time assumed for an account never measured: 5 s, the typical MT5 login + fetch.
    public static let unmeasuredSyncSeconds = 5.0

    private struct GroupKey: Hashable {
        let syncClass: SyncClass
        let plan: String?
    }

    /// Groups accounts by class and plan with their mean sync time: the policy's input.
    /// Unmeasured accounts count as the mean of the measured ones in their group, or
    /// ``unmeasuredSyncSeconds`` when none is measured.
    public static func loads(_ accounts: some Sequence<SyncProfile>) -> [SyncLoad] {
        var groups: [GroupKey: (accounts: Int, measured: Int, totalMs: Double)] = [:]
        for account in accounts {
            let key = GroupKey(syncClass: account.syncClass, plan: account.plan)
            var group = groups[key] ?? (0, 0, 0)
            group.accounts += 1
            if let ms = account.averageSyncMs {
                group.measured += 1
                group.totalMs += Double(max(0, ms))
            }
            groups[key] = group
        }
        return groups.map { key, group in
            let mean = group.measured > 0 ? group.totalMs / Double(group.measured) / 1000 : unmeasuredSyncSeconds
            return SyncLoad(syncClass: key.syncClass, plan: key.plan, accounts: group.accounts, meanSyncSeconds: mean)
        }.sorted { ($0.syncClass, $0.plan ?? "") < ($1.syncClass, $1.plan ?? "") }
    }
}
