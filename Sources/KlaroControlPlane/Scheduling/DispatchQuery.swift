import Foundation
import KlaroPostgres
import KlaroCore

/// The scheduler's one statement (DESIGN §3.1–3.2): for every live slot of an admitted host,
/// take its due accounts (active, nothing in flight, `next_sync_at` passed) in
/// `RefillOrder.dispatch` order — refill windows of 30 s of their rank (staleness deadline, at
/// most 300 s before the due time: `klaro_dispatch_rank`, migration 0016) oldest first, within
/// one the longest average sync first — up to the room left in its queue; mark them in flight with a new job id, fence and deadline; and
/// create their `sync_runs` rows. It finds, locks and rewrites only narrow `account_schedule`
/// rows (migration 0010); the wide account row of each picked account is read by key for its
/// credentials. Set-based and in one transaction, so a tick costs one round
/// trip however many slots there are; `SKIP LOCKED` and the in-flight check make a second
/// scheduler (or an ingest in progress) harmless.
///
/// With work stealing on (`KLARO_DISPATCH_STEAL_AFTER_SECONDS`), a slot with room left
/// after all its own due accounts then takes late accounts of its host's slots that have none
/// (``KlaroCore/WorkStealing``): the job goes to the thief, the account keeps its slot.
public enum DispatchQuery {
    /// The statement at the default refill window (30 s), whose order `account_schedule_due`
    /// holds (`klaro_refill_window`, migrations 0013 and 0016).
    public static let sql = statement(steal: nil) { "klaro_refill_window(\($0))" }

    /// Another window (`KLARO_REFILL_WINDOW_SECONDS`, `$3`): the same order, computed; the index
    /// no longer holds it, so a slot's entries ranking before now + 60 s + the window are read
    /// from `account_schedule_due` and sorted.
    static let sqlWithWindow = statement(steal: nil, window: "$3") { "floor(extract(epoch FROM \($0)) / $3::float8)::bigint" }

    /// ``sql`` with work stealing, late by `$3` seconds.
    public static let sqlStealing = statement(steal: "$3") { "klaro_refill_window(\($0))" }
    /// ``sqlWithWindow`` with work stealing, late by `$4` seconds.
    static let sqlWithWindowStealing = statement(steal: "$4", window: "$3") { "floor(extract(epoch FROM \($0)) / $3::float8)::bigint" }
    /// ``sqlStealing`` and its second tier across hosts, late by `$4` seconds.
    public static let sqlStealingAcrossHosts = statement(steal: "$3", acrossHosts: "$4") { "klaro_refill_window(\($0))" }
    /// ``sqlWithWindowStealing`` and its second tier across hosts, late by `$5` seconds.
    static let sqlWithWindowStealingAcrossHosts = statement(steal: "$4", acrossHosts: "$5", window: "$3") {
        "floor(extract(epoch FROM \($0)) / $3::float8)::bigint"
    }

    /// SQL: dispatch gives jobs to the slot `s` (a `terminal_slots` row) of host `h`: alive, on an
    /// admitted host that is active or cordoned (a cordoned host keeps its accounts).
    static let dispatchableSlotSQL = "s.state <> 'dead' AND h.admin_state IN ('active', 'cordoned') AND \(HostApproval.admittedSQL)"

    /// - Parameters:
    ///   - steal: the parameter holding the lateness in seconds; nil: no stealing.
    ///   - acrossHosts: the parameter holding the second tier's lateness; nil: within hosts only.
    ///   - windowSeconds: the parameter holding a refill window other than the default; nil: the default.
    private static func statement(
        steal lateness: String?, acrossHosts: String? = nil, window windowSeconds: String? = nil, _ window: (String) -> String
    ) -> String {
        let rank = "klaro_dispatch_rank(a.staleness_deadline, a.next_sync_at)"
        // A window W other than the index's 30 s: ranking before now + 60 s by W means ranking
        // before now + 60 s + W, a range of account_schedule_due's leading expression.
        let indexRange = windowSeconds.map {
            "\n                   AND klaro_refill_window(\(rank)) <= klaro_refill_window(now() + interval '60 seconds' + make_interval(secs => \($0)::float8))"
        } ?? ""
        let picked = lateness == nil ? "picked" : "own"
        return """
        WITH slots AS MATERIALIZED (
            SELECT s.host_id, s.slot, h.admin_state = 'cordoned' AS cordoned,
                   $1::int - (SELECT count(*) FROM account_schedule i
                              WHERE i.inflight_host = s.host_id AND i.inflight_slot = s.slot
                                AND i.inflight_job_id IS NOT NULL) AS room
            FROM terminal_slots s
            JOIN worker_hosts h ON h.host_id = s.host_id
            WHERE \(dispatchableSlotSQL)
        ),
        \(picked) AS (
            SELECT due.account_id, slots.host_id, slots.slot
            FROM slots CROSS JOIN LATERAL (
                -- In RefillOrder.dispatch order, in two parts that keep it index-held: the
                -- accounts ranking before now + 60 s (account_schedule_due, skipping those not
                -- due yet), then, only if room is left, the due ones ranking later
                -- (account_schedule_slot_due, which holds only deadlines more than 60 s after
                -- their due time: the only due accounts that rank later; migration 0025).
                SELECT * FROM (
                 SELECT a.account_id FROM account_schedule a
                 WHERE a.assigned_host = slots.host_id AND a.assigned_slot = slots.slot
                   AND a.status = 'active' AND a.is_active AND a.inflight_job_id IS NULL
                   AND \(window(rank)) <= \(window("now() + interval '60 seconds'"))\(indexRange)
                   AND a.next_sync_at <= now()
                 ORDER BY \(window(rank)), coalesce(a.avg_sync_ms, 5000) DESC, \(rank), a.account_id
                 LIMIT greatest(slots.room, 0)
                 FOR UPDATE OF a SKIP LOCKED) first_part
                UNION ALL
                SELECT * FROM (
                 SELECT a.account_id FROM account_schedule a
                 WHERE a.assigned_host = slots.host_id AND a.assigned_slot = slots.slot
                   AND a.status = 'active' AND a.is_active AND a.inflight_job_id IS NULL
                   AND a.next_sync_at <= now() AND klaro_deadline_after_due(a.staleness_deadline, a.next_sync_at)
                   -- "+ 0": no index order on the rank here, so the scan is by due time.
                   AND \(window(rank)) + 0 > \(window("now() + interval '60 seconds'"))
                 ORDER BY \(window(rank)) + 0, coalesce(a.avg_sync_ms, 5000) DESC, \(rank), a.account_id
                 LIMIT greatest(slots.room, 0)
                 FOR UPDATE OF a SKIP LOCKED) later_part
                LIMIT greatest(slots.room, 0)
            ) due
        ),\(lateness.map { stealing(lateness: $0, acrossHosts: acrossHosts, window: window) } ?? "")
        dispatched AS (
            UPDATE account_schedule a
            SET inflight_job_id = klaro_uuid_v7(),
                inflight_enqueued_at = now(),
                inflight_deadline = now() + make_interval(secs => $2::float8),
                inflight_host = picked.host_id,
                inflight_slot = picked.slot,
                fence = a.fence + 1,
                attempt = greatest(a.attempt, 1),
                interval_anchor = CASE WHEN a.attempt <= 1 OR a.interval_anchor IS NULL
                                       THEN a.next_sync_at ELSE a.interval_anchor END
            FROM picked
            WHERE a.account_id = picked.account_id
            RETURNING a.account_id, a.inflight_job_id, a.inflight_enqueued_at, a.inflight_deadline,
                      a.inflight_host, a.inflight_slot, a.fence, a.attempt,
                      (a.assigned_host, a.assigned_slot) IS DISTINCT FROM (picked.host_id, picked.slot) AS stolen,
                      a.assigned_host IS DISTINCT FROM picked.host_id AS across_hosts
        ),
        runs AS (
            INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, enqueued_at, deadline)
            SELECT inflight_job_id, account_id, inflight_host, inflight_slot, attempt, fence, inflight_enqueued_at,
                   inflight_deadline
            FROM dispatched
        )
        SELECT d.account_id, d.inflight_job_id, d.inflight_enqueued_at, d.inflight_deadline, d.inflight_host,
               d.inflight_slot, d.fence, d.attempt, w.mt5_login, w.mt5_server, w.mt5_password_encrypted,
               w.history_cursor, h.approved_key, d.stolen, d.across_hosts
        FROM dispatched d
        JOIN user_mt5_accounts w ON w.id = d.account_id
        JOIN worker_hosts h ON h.host_id = d.inflight_host
        """
    }

    /// SQL: the stealing part (``KlaroCore/WorkStealing/assign(slots:jobs:now:lateness:window:)``),
    /// after `own` (each slot's own due accounts). Thieves are slots with spare room after their
    /// own; victims are their host's slots without. A victim's due accounts whose rank
    /// (`klaro_dispatch_rank`) passed the lateness are read from `account_schedule_due` in its
    /// order (the victim's own dispatch order: oldest refill window first, so a read stops at the
    /// host's spare room), pinned accounts (by key on the wide row) and those `own` took left
    /// out. The n-th of a host's late accounts in that order goes to the n-th unit of its
    /// thieves' spare room, taken round-robin (most spare first, then slot), so no account goes
    /// to two slots; only the paired rows are locked (``lockedOf(_:)``).
    ///
    /// With `acrossHosts`, the second tier (``acrossHostsStealing(lateness:window:)``) follows.
    static func stealing(lateness: String, acrossHosts: String?, window: (String) -> String) -> String {
        let late = "now() - make_interval(secs => \(lateness)::float8)"
        return """

        spare AS MATERIALIZED (
            SELECT slots.host_id, slots.slot, slots.cordoned, greatest(slots.room, 0) - coalesce(o.taken, 0) AS spare
            FROM slots
            LEFT JOIN (SELECT host_id, slot, count(*) AS taken FROM own GROUP BY host_id, slot) o
              ON o.host_id = slots.host_id AND o.slot = slots.slot
        ),
        hosts AS MATERIALIZED (
            SELECT host_id, sum(spare)::int AS spare FROM spare WHERE spare > 0 GROUP BY host_id
        ),
        late AS (
            SELECT c.*, v.host_id
            FROM (SELECT * FROM spare WHERE spare <= 0) v JOIN hosts USING (host_id) CROSS JOIN LATERAL (
                \(lateEntries(late: late, excluding: ["own"], window: window))
                LIMIT hosts.spare
            ) c
        ),
        paired AS (
            SELECT l.account_id, u.host_id, u.slot
            FROM (SELECT account_id, host_id,
                         row_number() OVER (PARTITION BY host_id ORDER BY refill, expected DESC, rank, account_id) AS n
                  FROM late) l
            JOIN (SELECT t.host_id, t.slot,
                         row_number() OVER (PARTITION BY t.host_id ORDER BY k, t.spare DESC, t.slot) AS n
                  FROM spare t CROSS JOIN LATERAL generate_series(1, t.spare) k
                  WHERE t.spare > 0) u
              ON u.host_id = l.host_id AND u.n = l.n
        ),
        stolen AS (\(lockedOf("paired"))
        ),
        \(acrossHosts.map { acrossHostsStealing(lateness: $0, window: window) } ?? "")picked AS (
            SELECT account_id, host_id, slot FROM own
            UNION ALL
            SELECT account_id, host_id, slot FROM stolen\(acrossHosts == nil ? "" : farStolen)
        ),
        """
    }

    /// SQL: the second tier (``KlaroCore/WorkStealing``'s across hosts), after `stolen`. The
    /// spare room left anywhere in the fleet after the first tier (`left_over`; none on a
    /// cordoned host) takes the due
    /// accounts of slots without spare room, of any host, whose rank passed the longer
    /// lateness: read per victim from `account_schedule_due` in its dispatch order up to the
    /// queue depth or the fleet's spare room left, whichever is less (so only late entries,
    /// index-held, a bounded number per victim), neither `own`'s nor `stolen`'s, not pinned.
    /// The n-th of them in one fleet-wide dispatch order goes to the
    /// n-th unit of the spare room left, round-robin over the fleet (most spare first, then host
    /// and slot in byte order, as `SlotID` compares). Only the paired ones are locked (SKIP
    /// LOCKED, still not in flight): with many victims the offers outnumber the spare room, and
    /// locking them all would lock rows it does not dispatch; one locked elsewhere is left for
    /// the next tick.
    static func acrossHostsStealing(lateness: String, window: (String) -> String) -> String {
        let late = "now() - make_interval(secs => \(lateness)::float8)"
        return """
        left_over AS MATERIALIZED (
            SELECT t.host_id, t.slot, t.spare - coalesce(s.taken, 0) AS spare
            FROM spare t
            LEFT JOIN (SELECT host_id, slot, count(*) AS taken FROM stolen GROUP BY host_id, slot) s
              ON s.host_id = t.host_id AND s.slot = t.slot
            WHERE t.spare - coalesce(s.taken, 0) > 0
              AND NOT t.cordoned  -- a cordoned host takes no other host's work (SlotRoom.takesOtherHosts)
        ),
        fleet AS MATERIALIZED (
            SELECT sum(spare)::int AS spare FROM left_over
        ),
        far AS (
            SELECT c.*
            FROM (SELECT * FROM spare WHERE spare <= 0) v JOIN fleet ON fleet.spare > 0 CROSS JOIN LATERAL (
                \(lateEntries(late: late, excluding: ["own", "stolen"], window: window))
                -- A victim offers other hosts at most the queue depth a tick (WorkStealing's
                -- acrossHostsPerSlot): bounded reads however much of the fleet idles.
                LIMIT least(fleet.spare, $1::int)
            ) c
        ),
        far_paired AS (
            SELECT l.account_id, u.host_id, u.slot
            FROM (SELECT account_id, row_number() OVER (ORDER BY refill, expected DESC, rank, account_id) AS n FROM far) l
            JOIN (SELECT t.host_id, t.slot,
                         row_number() OVER (ORDER BY k, t.spare DESC, t.host_id COLLATE "C", t.slot) AS n
                  FROM left_over t CROSS JOIN LATERAL generate_series(1, t.spare) k) u
              ON u.n = l.n
        ),
        far_stolen AS (\(lockedOf("far_paired"))
        ),
        """ + "\n        "
    }

    /// SQL: the pairs of CTE `paired` whose schedule row this statement can lock (SKIP LOCKED)
    /// and that are still not in flight. Each tier locks only what it pairs: its victims offer
    /// more entries than the spare room takes, and locking them all would lock rows it does not
    /// dispatch. One locked elsewhere (an ingest ending it) is left for the next tick.
    private static func lockedOf(_ paired: String) -> String {
        // One join under the lock: each pair finds its row by key. (Joined to a locking subquery
        // instead, the planner, reading the CTE as one row, ran the subquery once per pair:
        // 2.4 s for 1,000 pairs in `ops/bench schedule`.)
        """

            SELECT p.account_id, p.host_id, p.slot
            FROM \(paired) p JOIN account_schedule a ON a.account_id = p.account_id
            WHERE a.inflight_job_id IS NULL
            FOR UPDATE OF a SKIP LOCKED
        """
    }

    /// SQL: the due accounts of victim slot `v` whose rank passed `late`, in the victim's own
    /// dispatch order (read from `account_schedule_due` in index order), not pinned, none of the
    /// CTEs in `excluding` (accounts already taken this tick); the caller adds LIMIT and locking.
    private static func lateEntries(late: String, excluding: [String], window: (String) -> String) -> String {
        let rank = "klaro_dispatch_rank(a.staleness_deadline, a.next_sync_at)"
        let taken = excluding.map { "\n                  AND a.account_id NOT IN (SELECT account_id FROM \($0))" }.joined()
        return """
                        SELECT a.account_id, \(window(rank)) AS refill, coalesce(a.avg_sync_ms, 5000) AS expected, \(rank) AS rank
                        FROM account_schedule a
                        WHERE a.assigned_host = v.host_id AND a.assigned_slot = v.slot
                          AND a.status = 'active' AND a.is_active AND a.inflight_job_id IS NULL
                          AND \(window(rank)) <= \(window(late))
                          AND \(rank) <= \(late) AND a.next_sync_at <= now()\(taken)
                          AND NOT EXISTS (SELECT 1 FROM user_mt5_accounts w WHERE w.id = a.account_id AND w.pinned_host IS NOT NULL)
                        ORDER BY \(window(rank)), coalesce(a.avg_sync_ms, 5000) DESC, \(rank), a.account_id
                """
    }

    /// SQL: `picked`'s second-tier part.
    private static let farStolen = "\n    UNION ALL\n    SELECT account_id, host_id, slot FROM far_stolen"

    /// One job the statement created.
    struct Row: Sendable {
        let accountID: UUID
        let jobID: UUID
        let enqueuedAt: Date
        let deadline: Date
        let host: String
        let slot: Int
        let fence: Int64
        let attempt: Int
        let login: Int64
        let server: String
        let encryptedPassword: String
        let historyCursor: Int64?
        let hostPublicKey: String
        /// Taken from a busy slot (work stealing); the account keeps its slot.
        let stolen: Bool
        /// Taken from a slot of another host (work stealing's second tier).
        let acrossHosts: Bool
    }

    /// - Parameters:
    ///   - stealAfter: how late (s) an account of a busy slot must be before an idle slot of its
    ///     host takes it (``KlaroCore/WorkStealing/isLate(_:now:lateness:)``); nil: no stealing.
    ///   - stealAcrossHostsAfter: how late (s) before spare room on another host takes it (the
    ///     second tier); nil, or no stealing: within hosts only.
    static func run(
        _ connection: PostgresConnection, queueDepth: Int, deadlineSeconds: Double, refillWindow: Double = RefillOrder.defaultWindow,
        stealAfter: Double? = nil, stealAcrossHostsAfter: Double? = nil
    ) throws -> [Row] {
        let defaultWindow = refillWindow == RefillOrder.defaultWindow
        let rows = switch (stealAfter, stealAcrossHostsAfter) {
        case (nil, _) where defaultWindow: try connection.query(sql, [queueDepth, deadlineSeconds])
        case (nil, _): try connection.query(sqlWithWindow, [queueDepth, deadlineSeconds, refillWindow])
        case let (late?, nil) where defaultWindow: try connection.query(sqlStealing, [queueDepth, deadlineSeconds, late])
        case let (late?, nil): try connection.query(sqlWithWindowStealing, [queueDepth, deadlineSeconds, refillWindow, late])
        case let (late?, far?) where defaultWindow:
            try connection.query(sqlStealingAcrossHosts, [queueDepth, deadlineSeconds, late, far])
        case let (late?, far?):
            try connection.query(sqlWithWindowStealingAcrossHosts, [queueDepth, deadlineSeconds, refillWindow, late, far])
        }
        return try rows.map { row in
            Row(
                accountID: try row.uuid(0), jobID: try row.uuid(1), enqueuedAt: try row.date(2), deadline: try row.date(3),
                host: try row.string(4), slot: try row.int(5), fence: try row.int64(6), attempt: try row.int(7),
                login: try row.int64(8), server: try row.string(9), encryptedPassword: try row.string(10),
                historyCursor: try row.intOrNil(11).map(Int64.init), hostPublicKey: try row.string(12), stolen: try row.bool(13),
                acrossHosts: try row.bool(14)
            )
        }
    }
}
