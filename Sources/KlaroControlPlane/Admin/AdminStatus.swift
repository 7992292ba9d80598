import Foundation
import KlaroPostgres

/// `GET /admin/status`: the one screen of `klaro status`. Field names are the API's.
struct AdminStatus: Encodable, Sendable {
    struct Leader: Encodable, Sendable {
        /// True when some replica holds the scheduler lock.
        let present: Bool
        /// True when the replica that answered is the leader.
        let this_node: Bool
        /// The answering replica's `KLARO_NODE_NAME`.
        let node: String
        /// The leader's database client address and session start, when visible.
        let client_addr: String?
        let since: Date?
    }

    struct Syncs: Encodable, Sendable {
        let total: Int
        let ok: Int
        /// ok ÷ total over the last hour; nil without syncs.
        let success_rate: Double?
        let by_outcome: [String: Int]
    }

    struct Accounts: Encodable, Sendable {
        let by_status: [String: Int]
        let active: Int
        let stale: Int
        let unplaced: Int
        /// Of the active accounts that ever succeeded; absent when none has.
        let oldest_success_age_seconds: Double?
        /// Active accounts that never synced successfully.
        let never_synced: Int
    }

    struct Queue: Encodable, Sendable {
        /// Active accounts due now and waiting for dispatch.
        let due: Int
        /// Jobs dispatched and not finished.
        let in_flight: Int
    }

    let generated_at: Date
    let leader: Leader
    let syncs_1h: Syncs
    let accounts: Accounts
    let queue: Queue
    /// Slots by state: `idle`, `busy`, `dead`, `draining`, `cordoned`, `pending`.
    let slots: [String: Int]
    /// Hosts by state (`dead` for admitted hosts without a live slot).
    let hosts: [String: Int]
    /// Needed slot-seconds per interval ÷ available (above 1: the fleet cannot keep up).
    let demand_ratio: Double

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
                demand_ratio: snapshot.demandRatio(interval: settings.interval)
            )
        }
    }
}
