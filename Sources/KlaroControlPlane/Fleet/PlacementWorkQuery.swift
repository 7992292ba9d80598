import Foundation
import KlaroCore
import KlaroPostgres

/// What placement weighs (issue 13, docs/fleet.md §2): each account's load — its average sync
/// time (`account_schedule.avg_sync_ms`; unmeasured: the fleet's median) ÷ its interval (its
/// class's target for its owner's plan × the class's current stretch, as ingest schedules it)
/// — and each slot's measured login time per broker server.
enum PlacementWorkQuery {
    /// The sync policy's inputs to an account's interval, read once per run.
    struct Scale {
        let policy: SyncPolicy
        let stretch: [SyncClass: Double]
        let defaultSeconds: Double

        func load(averageSyncMs: Int?, syncClass: SyncClass, plan: String?) -> Double {
            PlacementWork.load(averageSyncMs: averageSyncMs, defaultSeconds: defaultSeconds, syncClass: syncClass,
                               plan: plan, policy: policy, stretch: stretch)
        }
    }

    /// The fleet's median measured sync time over active accounts (``medianSQL``), with the
    /// stored stretch.
    /// Per class a range of `account_schedule_freshness` (`OFFSET 0` keeps the planner from
    /// turning the ranges into one pass over the table), and the few in flight.
    static let medianSQL = """
        SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY m.avg_sync_ms)
        FROM (SELECT x.avg_sync_ms FROM unnest($1::text[]) AS c(sync_class),
              LATERAL (SELECT s.avg_sync_ms FROM account_schedule s
                       WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                       OFFSET 0) x
              UNION ALL
              SELECT avg_sync_ms FROM account_schedule WHERE inflight_job_id IS NOT NULL AND status = 'active' AND is_active) m
        WHERE m.avg_sync_ms IS NOT NULL
        """

    static func scale(_ connection: PostgresConnection, policy: SyncPolicy) throws -> Scale {
        let median = try connection.query(medianSQL, [SyncClass.allCases.map(\.rawValue)]).first?.doubleOrNil(0)
        return Scale(
            policy: policy, stretch: try SyncStretchTable.read(connection),
            defaultSeconds: median.map { max(PlacementWork.minimumSyncSeconds, $0 / 1000) } ?? SyncProfile.unmeasuredSyncSeconds)
    }

    /// Accounts and their load already on each slot (active accounts with a slot), summed per
    /// slot, class and plan in SQL: the newcomer path reads no account row into klarod.
    static func slotLoads(_ connection: PostgresConnection, scale: Scale) throws -> [SlotID: SlotLoad] {
        let byPlan = !scale.policy.planTargets.isEmpty
        // greatest() skips NULLs: without the FILTER an unmeasured account would add the
        // minimum here and the fleet's median below.
        // The plan needs the account row; without plan targets the narrow table alone answers.
        let rows = try connection.query(byPlan ? """
            SELECT s.assigned_host, s.assigned_slot, s.sync_class, klaro_user_plan(a.user_id),
                   count(*), count(s.avg_sync_ms), coalesce(sum(greatest(s.avg_sync_ms, $1)) FILTER (WHERE s.avg_sync_ms IS NOT NULL), 0)::float8
            FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id
            WHERE s.assigned_host IS NOT NULL AND s.status = 'active' AND s.is_active
            GROUP BY 1, 2, 3, 4
            """ : """
            SELECT assigned_host, assigned_slot, sync_class, NULL::text,
                   count(*), count(avg_sync_ms), coalesce(sum(greatest(avg_sync_ms, $1)) FILTER (WHERE avg_sync_ms IS NOT NULL), 0)::float8
            FROM account_schedule
            WHERE assigned_host IS NOT NULL AND status = 'active' AND is_active
            GROUP BY 1, 2, 3
            """, [Int(PlacementWork.minimumSyncSeconds * 1000)])
        var loads: [SlotID: SlotLoad] = [:]
        for row in rows {
            let slot = SlotID(host: try row.string(0), index: try row.int(1))
            let syncClass = SyncClass(rawValue: try row.string(2)) ?? .quiet
            let accounts = try row.int(4), measured = try row.int(5), totalMs = try row.double(6)
            let interval = scale.policy.interval(syncClass, plan: row.stringOrNil(3), factors: scale.stretch)
            let seconds = totalMs / 1000 + Double(accounts - measured) * scale.defaultSeconds
            var entry = loads[slot] ?? SlotLoad(accounts: 0, load: 0)
            entry.accounts += accounts
            entry.load += seconds / max(1, interval)
            loads[slot] = entry
        }
        return loads
    }

    /// How many recent successful runs the login medians read at most.
    static let loginSampleLimit = 100_000

    /// Median `login_ms` per (slot, broker server) over the last day's successful runs, the
    /// newest `loginSampleLimit` of them (the finished-runs index, newest first; partitions
    /// older than two days are pruned).
    static func loginMedians(_ connection: PostgresConnection) throws -> [PlacementOptions.LoginKey: Double] {
        var medians: [PlacementOptions.LoginKey: Double] = [:]
        for row in try connection.query("""
            SELECT r.host_id, r.slot, a.mt5_server, percentile_cont(0.5) WITHIN GROUP (ORDER BY r.login_ms)
            FROM (SELECT account_id, host_id, slot, login_ms FROM sync_runs
                  WHERE state = 'finished' AND finished_at > now() - interval '1 day'
                    AND enqueued_at > now() - interval '2 days' AND outcome = 'ok' AND login_ms IS NOT NULL
                  ORDER BY finished_at DESC LIMIT $1) r
            JOIN user_mt5_accounts a ON a.id = r.account_id
            GROUP BY 1, 2, 3
            """, [loginSampleLimit]) {
            let key = PlacementOptions.LoginKey(slot: SlotID(host: try row.string(0), index: try row.int(1)), server: try row.string(2))
            medians[key] = try row.double(3)
        }
        return medians
    }
}
