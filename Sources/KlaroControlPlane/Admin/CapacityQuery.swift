import Foundation
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres

/// The fleet's work as the sync policy and capacity planning see it: active accounts by class
/// (and, when plans have targets of their own, by plan) with their mean sync time, from the
/// narrow schedule table (`sync_class` and `avg_sync_ms` are kept by ingest), in one statement.
/// An unmeasured group counts ``SyncProfile/unmeasuredSyncSeconds``.
enum CapacityQuery {
    /// Active accounts and their mean sync time per class (the policy's round, every 15 s): per
    /// class a range of `account_schedule_freshness` (index-only; migration 0024), the few in
    /// flight once through `account_schedule_inflight` (the dispatch tick writes no entry in the
    /// first). Per class, not one pass over the index: once updates leave the index's pages half
    /// full, the planner prefers reading every row of the table to reading the whole index.
    static let loadsSQL = """
        WITH flying AS MATERIALIZED (
            SELECT sync_class, avg_sync_ms FROM account_schedule
            WHERE inflight_job_id IS NOT NULL AND status = 'active' AND is_active
        )
        SELECT c.sync_class, NULL::text, r.accounts + f.accounts,
               (r.total + f.total) / nullif(r.measured + f.measured, 0) / 1000.0
        FROM unnest($1::text[]) AS c(sync_class),
        LATERAL (SELECT count(*) AS accounts, count(s.avg_sync_ms) AS measured, coalesce(sum(s.avg_sync_ms), 0)::numeric AS total
                 FROM account_schedule s
                 WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL) r,
        LATERAL (SELECT count(*) AS accounts, count(f.avg_sync_ms) AS measured, coalesce(sum(f.avg_sync_ms), 0)::numeric AS total
                 FROM flying f WHERE f.sync_class = c.sync_class) f
        WHERE r.accounts + f.accounts > 0
        """

    static func loads(_ connection: PostgresConnection, byPlan: Bool = false) throws -> [SyncLoad] {
        let rows = try connection.query(byPlan ? """
            SELECT s.sync_class, p.plan, count(*), avg(s.avg_sync_ms) / 1000.0
            FROM account_schedule s
            JOIN user_mt5_accounts a ON a.id = s.account_id
            LEFT JOIN user_plans p ON p.user_id = a.user_id
            WHERE s.status = 'active' AND s.is_active GROUP BY 1, 2
            """ : loadsSQL, byPlan ? [] : [SyncClass.allCases.map(\.rawValue)])
        return try rows.compactMap { row in
            guard let syncClass = SyncClass(rawValue: try row.string(0)) else { return nil }
            return SyncLoad(
                syncClass: syncClass, plan: row.stringOrNil(1), accounts: try row.int(2),
                meanSyncSeconds: try row.doubleOrNil(3) ?? SyncProfile.unmeasuredSyncSeconds
            )
        }.sorted { ($0.syncClass, $0.plan ?? "") < ($1.syncClass, $1.plan ?? "") }
    }

    /// Slots able to take jobs: idle or busy, on a host neither pending, draining nor cordoned.
    static func liveSlots(_ connection: PostgresConnection) throws -> Int {
        try connection.query("""
            SELECT count(*) FROM terminal_slots s JOIN worker_hosts h ON h.host_id = s.host_id
            WHERE s.state IN ('idle', 'busy') AND h.admin_state NOT IN ('pending', 'refused', 'draining', 'cordoned')
            """).first?.int(0) ?? 0
    }

    /// `GET /admin/capacity`'s answer.
    static func read(pool: PostgresPool, policy: SyncPolicy, targetUtilisation: Double) async throws -> AdminAPI.Capacity {
        let byPlan = !policy.planTargets.isEmpty
        let (loads, live): ([SyncLoad], Int) = try await pool.withConnection { connection in
            (try Self.loads(connection, byPlan: byPlan), try Self.liveSlots(connection))
        }
        let plan = try CapacityPlan(loads: loads, policy: policy, targetUtilisation: targetUtilisation)
        // One line per class: plans with targets of their own are summed into it.
        let classes = Dictionary(grouping: loads, by: \.syncClass).sorted { $0.key < $1.key }.map { syncClass, group in
            let accounts = group.reduce(0) { $0 + $1.accounts }
            let seconds = group.reduce(0.0) { $0 + Double($1.accounts) * $1.meanSyncSeconds }
            return AdminAPI.Capacity.SyncClassLoad(
                sync_class: syncClass.rawValue, accounts: accounts, mean_sync_seconds: accounts > 0 ? seconds / Double(accounts) : 0,
                target_interval_seconds: policy.target(syncClass)
            )
        }
        let scales = plan.rows.map { row in
            AdminAPI.Capacity.Scale(
                scale: row.scale, accounts: row.accounts, demand_slots: row.demand, slots_needed: row.slots,
                hosts_needed: row.hosts
            )
        }
        return AdminAPI.Capacity(
            generated_at: Date(), target_utilisation: targetUtilisation, slots_per_host: plan.slotsPerHost,
            live_slots: live, classes: classes, scales: scales
        )
    }
}
