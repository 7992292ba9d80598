import Foundation
import KlaroAdminAPI
import KlaroPostgres

/// `GET /admin/status`: the one screen of `klaro status` (the body is shared with the CLI).
typealias AdminStatus = AdminAPI.Status

extension AdminStatus {
    /// Reads it all in one connection.
    static func read(pool: PostgresPool, settings: SyncSettings, node: String, isLeader: Bool) async throws -> AdminStatus {
        try await pool.withConnection { connection in
            let snapshot = try StatusReporter.read(connection, settings: settings)
            var byOutcome: [String: Int] = [:]
            for row in try connection.query("""
                SELECT outcome, count(*) FROM sync_runs
                WHERE state = 'finished' AND finished_at > now() - interval '1 hour'
                  AND enqueued_at > now() - interval '1 hour' - make_interval(secs => $1::float8)
                GROUP BY outcome
                """, [settings.jobDeadline + settings.lostGrace]) {
                byOutcome[try row.string(0)] = try row.int(1)
            }
            let total = byOutcome.values.reduce(0, +)
            let ok = byOutcome["ok"] ?? 0
            // The session holding the scheduler's advisory lock (bigint key: classid is the high
            // half, objid the low half).
            let holder = try connection.query("""
                SELECT host(a.client_addr), a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
                  AND l.classid::bigint = ($1::bigint >> 32) AND l.objid::bigint = ($1::bigint & 4294967295)
                LIMIT 1
                """, [LeaderElection.lockKey])
            return AdminStatus(
                generated_at: Date(),
                leader: Leader(
                    present: !holder.isEmpty || isLeader, this_node: isLeader, node: node,
                    client_addr: holder.first?.stringOrNil(0), since: try holder.first?.dateOrNil(1)
                ),
                syncs_1h: Syncs(total: total, ok: ok, success_rate: total > 0 ? Double(ok) / Double(total) : nil, by_outcome: byOutcome),
                accounts: Accounts(
                    by_status: snapshot.accounts, active: snapshot.active, stale: snapshot.stale, unplaced: snapshot.unplaced,
                    oldest_success_age_seconds: snapshot.oldestSuccessAge, never_synced: snapshot.neverSynced
                ),
                queue: Queue(due: snapshot.due, in_flight: snapshot.inFlight),
                slots: snapshot.slots,
                hosts: snapshot.hosts,
                demand_ratio: snapshot.demandRatio
            )
        }
    }
}
