import Foundation
import KlaroPostgres

/// The scheduler's data laid out as before migration 0010, for `klaro-bench schedule` to time
/// the dispatch statement on the wide accounts row beside the narrow one, on the same data in
/// the same run: a copy of the accounts with their schedule columns folded back in, under
/// schema `wide`, with every index the wide row had (today's plus those 0010 and 0017 moved).
enum WideRowBaseline {
    /// Copies the accounts and their schedules into `wide.user_mt5_accounts`.
    static func build(_ pool: PostgresPool) async throws {
        try await pool.execute("CREATE SCHEMA wide")
        try await pool.execute("""
            CREATE TABLE wide.user_mt5_accounts AS
            SELECT a.*, s.assigned_host, s.assigned_slot, s.next_sync_at, s.interval_anchor, s.attempt, s.fence, s.inflight_job_id, s.inflight_enqueued_at,
                   s.inflight_deadline, s.inflight_host, s.inflight_slot
            FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id
            """)
        let definitions = try await pool.query("""
            SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'user_mt5_accounts'
            """).map { try $0.string(0) }
        for definition in definitions {
            try await pool.execute(definition
                .replacingOccurrences(of: " ON public.user_mt5_accounts ", with: " ON wide.user_mt5_accounts "))
        }
        // The two indexes 0010 dropped with the columns (as 0003 left them), and the slot index
        // 0017 dropped with the assignment.
        try await pool.execute("""
            CREATE INDEX user_mt5_accounts_due ON wide.user_mt5_accounts (assigned_host, assigned_slot, next_sync_at)
                WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
            """)
        try await pool.execute("""
            CREATE INDEX user_mt5_accounts_inflight_slot ON wide.user_mt5_accounts (inflight_host, inflight_slot)
                WHERE inflight_job_id IS NOT NULL
            """)
        try await pool.execute("CREATE INDEX user_mt5_accounts_slot ON wide.user_mt5_accounts (assigned_host, assigned_slot)")
        try await pool.execute("VACUUM ANALYZE wide.user_mt5_accounts")
    }

    /// How many indexes the wide copy carries.
    static func indexCount(_ pool: PostgresPool) async throws -> Int {
        try await pool.query("SELECT count(*) FROM pg_indexes WHERE schemaname = 'wide'")[0].int(0)
    }

    /// Gives the jobs back, so that the next run dispatches as many again.
    static func reset(_ pool: PostgresPool) async throws {
        try await pool.execute("""
            UPDATE wide.user_mt5_accounts SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                   inflight_host = NULL, inflight_slot = NULL WHERE inflight_job_id IS NOT NULL
            """)
    }

    /// The dispatch statement as it was before 0010 (DispatchQuery at that commit), on the copy.
    static let sql = """
        WITH slots AS (
            SELECT s.host_id, s.slot,
                   $1::int - (SELECT count(*) FROM wide.user_mt5_accounts i
                              WHERE i.inflight_host = s.host_id AND i.inflight_slot = s.slot
                                AND i.inflight_job_id IS NOT NULL) AS room
            FROM terminal_slots s
            JOIN worker_hosts h ON h.host_id = s.host_id
            WHERE s.state <> 'dead' AND h.admin_state IN ('active', 'cordoned')
              AND h.approved_key IS NOT NULL AND h.approved_key = h.public_key
        ),
        picked AS (
            SELECT due.id, slots.host_id, slots.slot
            FROM slots CROSS JOIN LATERAL (
                SELECT a.id FROM wide.user_mt5_accounts a
                WHERE a.assigned_host = slots.host_id AND a.assigned_slot = slots.slot
                  AND a.status = 'active' AND a.is_active AND a.inflight_job_id IS NULL
                  AND a.next_sync_at <= now()
                ORDER BY a.next_sync_at
                LIMIT greatest(slots.room, 0)
                FOR UPDATE OF a SKIP LOCKED
            ) due
        ),
        dispatched AS (
            UPDATE wide.user_mt5_accounts a
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
            WHERE a.id = picked.id
            RETURNING a.id, a.user_id, a.inflight_job_id, a.inflight_enqueued_at, a.inflight_deadline,
                      a.inflight_host, a.inflight_slot, a.fence, a.attempt, a.mt5_login, a.mt5_server,
                      a.mt5_password_encrypted, a.history_cursor
        ),
        runs AS (
            INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, enqueued_at, deadline)
            SELECT inflight_job_id, id, inflight_host, inflight_slot, attempt, fence, inflight_enqueued_at, inflight_deadline
            FROM dispatched
        )
        SELECT d.id, d.inflight_job_id, d.inflight_enqueued_at, d.inflight_deadline, d.inflight_host, d.inflight_slot,
               d.fence, d.attempt, d.mt5_login, d.mt5_server, d.mt5_password_encrypted, d.history_cursor,
               h.approved_key
        FROM dispatched d
        JOIN worker_hosts h ON h.host_id = d.inflight_host
        """
}
