import Foundation
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres

/// The fleet's work as capacity planning sees it: active accounts by class with their mean
/// sync time, in one statement. For now the class comes from open positions and the newest
/// deal (as `SyncClass.classify` decides it) and the sync time from the last day's successful
/// `sync_runs`; once the narrow scheduling table carries `sync_class` and `avg_sync_ms`, this
/// is the one place to switch.
enum CapacityQuery {
    /// Recent enough for a sync time to count.
    static let sampleWindow: TimeInterval = 86_400

    static func loads(_ connection: PostgresConnection) throws -> [SyncLoad] {
        let rows = try connection.query("""
            WITH active AS (
                SELECT a.id, a.created_at,
                       EXISTS (SELECT 1 FROM positions p WHERE p.account_id = a.id) AS has_positions,
                       (SELECT max(coalesce(d.time_utc, d.time)) FROM deals d WHERE d.account_id = a.id) AS last_deal,
                       (SELECT avg(NULLIF(coalesce(r.login_ms, 0) + coalesce(r.fetch_ms, 0), 0)) FROM sync_runs r
                        WHERE r.account_id = a.id AND r.outcome = 'ok'
                          AND r.enqueued_at > now() - make_interval(secs => $3::float8)) AS sync_ms
                FROM user_mt5_accounts a WHERE a.status = 'active'
            )
            SELECT CASE WHEN has_positions OR last_deal > now() - make_interval(secs => $1::float8) THEN 'moving'
                        WHEN greatest(last_deal, created_at) <= now() - make_interval(secs => $2::float8) THEN 'dormant'
                        ELSE 'quiet' END AS sync_class,
                   count(*), avg(sync_ms) / 1000.0
            FROM active GROUP BY 1
            """, [SyncClass.movingWindow, SyncClass.dormantAfter, sampleWindow])
        return try rows.compactMap { row in
            guard let syncClass = SyncClass(rawValue: try row.string(0)) else { return nil }
            return SyncLoad(
                syncClass: syncClass, accounts: try row.int(1),
                meanSyncSeconds: try row.doubleOrNil(2) ?? SyncProfile.unmeasuredSyncSeconds
            )
        }.sorted { $0.syncClass < $1.syncClass }
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
        let (loads, live): ([SyncLoad], Int) = try await pool.withConnection { connection in
            (try Self.loads(connection), try Self.liveSlots(connection))
        }
        let plan = try CapacityPlan(loads: loads, policy: policy, targetUtilisation: targetUtilisation)
        let classes = loads.map { load in
            AdminAPI.Capacity.SyncClassLoad(
                sync_class: load.syncClass.rawValue, accounts: load.accounts, mean_sync_seconds: load.meanSyncSeconds,
                target_interval_seconds: policy.target(load.syncClass)
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
