import Foundation
import KlaroCore
import KlaroPostgres

/// The schedule table's readers that run on a short period, each as its statement and
/// parameters, for `klaro-bench schedule --reader-costs` (issue 16: none may read every row).
public enum ScheduleReaders {
    public struct Reader: Sendable {
        public let name: String
        public let sql: String
        public let parameters: [any PostgresBindable]
    }

    /// The readers as klarod runs them, with `staleAfter` seconds as the staleness cutoff.
    public static func current(staleAfter: TimeInterval) -> [Reader] {
        let classes = SyncClass.allCases.map(\.rawValue)
        return [
            Reader(name: "status gauges: freshness and in flight (5 s)", sql: ScheduleCounts.freshnessSQL,
                   parameters: [staleAfter, classes]),
            Reader(name: "/admin/status: due and waiting (on request)", sql: ScheduleCounts.dueSQL, parameters: []),
            Reader(name: "sync policy: load per class (15 s)", sql: CapacityQuery.loadsSQL, parameters: [classes]),
            Reader(name: "sync policy: staleness percentiles (15 s)", sql: SyncPolicyController.stalenessSQL,
                   parameters: [classes]),
            Reader(name: "placement: median sync time (each run)", sql: PlacementWorkQuery.medianSQL, parameters: [classes]),
        ]
    }
}
