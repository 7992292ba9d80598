import Foundation

/// What an account weighs in placement (issue 13): the share of a slot its syncs keep busy,
/// its mean sync time (login + fetch) × how often it is synced (1 ÷ its class's interval for
/// its owner's plan, stretched as the policy says), as ingest schedules it.
public enum PlacementWork {
    /// The shortest sync time counted: a measured 0 ms still costs its slot a dispatch.
    public static let minimumSyncSeconds = 0.1

    /// The sync time assumed for an account never measured: the median of the measured active
    /// accounts' averages (robust to a few very slow ones), or ``SyncProfile/unmeasuredSyncSeconds``
    /// when none is measured. Interpolated between the middle two for an even count, like
    /// PostgreSQL's `percentile_cont(0.5)`.
    public static func defaultSyncSeconds(measuredMs: [Int]) -> Double {
        guard !measuredMs.isEmpty else { return SyncProfile.unmeasuredSyncSeconds }
        let sorted = measuredMs.sorted()
        let middle = sorted.count / 2
        let ms = sorted.count % 2 == 1 ? Double(sorted[middle]) : (Double(sorted[middle - 1]) + Double(sorted[middle])) / 2
        return max(minimumSyncSeconds, ms / 1000)
    }

    /// An account's load: sync seconds (its average, else `defaultSeconds`) ÷ `interval` seconds.
    public static func load(averageSyncMs: Int?, defaultSeconds: Double, interval: TimeInterval) -> Double {
        let seconds = averageSyncMs.map { Double($0) / 1000 } ?? defaultSeconds
        return max(minimumSyncSeconds, seconds) / max(1, interval)
    }

    /// An account's load under `policy` and `stretch` (factor per class; 1 when absent).
    public static func load(
        averageSyncMs: Int?, defaultSeconds: Double, syncClass: SyncClass, plan: String?, policy: SyncPolicy,
        stretch: [SyncClass: Double]
    ) -> Double {
        load(averageSyncMs: averageSyncMs, defaultSeconds: defaultSeconds,
             interval: policy.interval(syncClass, plan: plan, factors: stretch))
    }
}
