import Foundation
import KlaroCore
import KlaroPostgres

/// The schedule's counts behind the status gauges and `GET /admin/status`, read from index
/// entries of the few accounts they count, never one per account (issue 16; migration 0024).
///
/// The accounts not in flight come from `account_schedule_freshness` (class, last success,
/// creation), probed once per class: its oldest success is the first entry, its stale and
/// never-synced accounts are ranges. Those in flight come from `account_schedule_inflight`
/// (dispatch's own index). The due accounts come from dispatch's two indexes, probed slot by
/// slot as dispatch reads them.
enum ScheduleCounts {
    /// Freshness of the active accounts, in flight or not.
    struct Freshness: Sendable, Equatable {
        /// Never synced and created before the cutoff, or last success before it.
        var stale = 0
        /// Age of the oldest last success, or of the creation of an account that never
        /// succeeded, whichever is older (the gauge: a never-synced account grows stale too).
        var oldestAge = 0.0
        /// Age of the oldest last success among accounts that have one; nil when none has.
        var oldestSuccessAge: Double?
        var neverSynced = 0
        var inFlight = 0
    }

    /// Reads ``Freshness`` with `staleAfter` seconds as the staleness cutoff.
    static func freshness(_ connection: PostgresConnection, staleAfter: TimeInterval) throws -> Freshness {
        let row = try connection.query(freshnessSQL, [staleAfter, SyncClass.allCases.map(\.rawValue)])[0]
        return Freshness(
            stale: try row.int(0), oldestAge: try row.double(1), oldestSuccessAge: try row.doubleOrNil(2),
            neverSynced: try row.int(3), inFlight: try row.int(4))
    }

    /// Each class's accounts not in flight (three probes of the freshness index per class),
    /// then those in flight; summed and compared in SQL, ages by the database's clock.
    static let freshnessSQL = """
        WITH cutoff AS MATERIALIZED (SELECT now() - make_interval(secs => $1::float8) AS at),
        resting AS (
            SELECT o.oldest_success, st.stale + nv.stale AS stale, nv.never, nv.oldest_never
            FROM unnest($2::text[]) AS c(sync_class) CROSS JOIN cutoff,
            LATERAL (SELECT min(s.last_success_at) AS oldest_success FROM account_schedule s
                     WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                       AND s.last_success_at IS NOT NULL) o,
            LATERAL (SELECT count(*) AS stale FROM account_schedule s
                     WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                       AND s.last_success_at < cutoff.at) st,
            LATERAL (SELECT count(*) AS never, min(s.created_at) AS oldest_never,
                            count(*) FILTER (WHERE s.created_at < cutoff.at) AS stale
                     FROM account_schedule s
                     WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                       AND s.last_success_at IS NULL) nv
        ),
        flying AS (
            SELECT count(*) AS accounts, min(s.last_success_at) AS oldest_success,
                   count(*) FILTER (WHERE coalesce(s.last_success_at, s.created_at) < cutoff.at) AS stale,
                   count(*) FILTER (WHERE s.last_success_at IS NULL) AS never,
                   min(s.created_at) FILTER (WHERE s.last_success_at IS NULL) AS oldest_never
            FROM account_schedule s CROSS JOIN cutoff
            WHERE s.inflight_job_id IS NOT NULL AND s.status = 'active' AND s.is_active
        ),
        total AS (
            SELECT (SELECT sum(stale) FROM resting) + f.stale AS stale,
                   least((SELECT min(oldest_success) FROM resting), f.oldest_success) AS oldest_success,
                   (SELECT sum(never) FROM resting) + f.never AS never,
                   least((SELECT min(oldest_never) FROM resting), f.oldest_never) AS oldest_never,
                   f.accounts AS in_flight
            FROM flying f
        )
        SELECT stale, coalesce(extract(epoch FROM now() - least(oldest_success, oldest_never)), 0),
               extract(epoch FROM now() - oldest_success), never, in_flight
        FROM total
        """

    /// Active accounts due and waiting for dispatch, plus the unplaced: per slot in the two
    /// parts dispatch reads (``DispatchQuery``), so only index entries of accounts about due are
    /// read, however many accounts the slot holds: those ranking before now + 60 s from
    /// `account_schedule_due` (checked for being due on the row), then the due ones ranking
    /// later from `account_schedule_slot_due`, which holds only them (migration 0025).
    static func dueAndWaiting(_ connection: PostgresConnection) throws -> Int {
        try connection.query(dueSQL)[0].int(0)
    }

    static let dueSQL = """
        SELECT (SELECT count(*) FROM account_schedule
                WHERE assigned_host IS NULL AND status = 'active' AND is_active AND inflight_job_id IS NULL
                  AND next_sync_at <= now())
             + (SELECT coalesce(sum(d.accounts), 0) FROM terminal_slots t,
                LATERAL (SELECT count(*) AS accounts FROM account_schedule s
                         WHERE s.assigned_host = t.host_id AND s.assigned_slot = t.slot
                           AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                           AND klaro_refill_window(klaro_dispatch_rank(s.staleness_deadline, s.next_sync_at))
                               <= klaro_refill_window(now() + interval '60 seconds')
                           AND s.next_sync_at <= now()) d)
             + (SELECT coalesce(sum(d.accounts), 0) FROM terminal_slots t,
                LATERAL (SELECT count(*) AS accounts FROM account_schedule s
                         WHERE s.assigned_host = t.host_id AND s.assigned_slot = t.slot
                           AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                           AND s.next_sync_at <= now() AND klaro_deadline_after_due(s.staleness_deadline, s.next_sync_at)
                           AND klaro_refill_window(klaro_dispatch_rank(s.staleness_deadline, s.next_sync_at)) + 0
                               > klaro_refill_window(now() + interval '60 seconds')) d)
        """

    /// Active accounts with no slot (`account_schedule_unplaced`, empty in the steady state).
    static func unplaced(_ connection: PostgresConnection) throws -> Int {
        try connection.query("""
            SELECT count(*) FROM account_schedule WHERE status = 'active' AND is_active AND assigned_host IS NULL
            """)[0].int(0)
    }
}
