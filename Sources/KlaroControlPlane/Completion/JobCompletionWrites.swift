import Foundation
import KlaroCore
import KlaroPostgres

/// Ends jobs in PostgreSQL: the one statement every path that ends a job runs (ingest,
/// rescuer, dispatch's give-back). It finishes each job's `sync_runs` row and moves its account
/// on as its ``JobCompletion`` decided: clears `inflight_*`, records the attempt, its outcome and
/// error and counts `consecutive_failures` on the schedule row, sets the next sync, attempt and
/// anchor, and records a success or a park on the wide row. Rows are gathered column by column
/// and written with one multi-row statement (`unnest`).
struct JobCompletionWrites {
    /// What a worker's result adds to its run row; nil for a job that ended without one.
    struct RunFacts {
        let startedAt: Date
        let queueWaitMs: Int?
        let durationMs: Int
        let loginMs: Int?
        let fetchMs: Int?
        let positions: Int?
        let deals: Int?
    }

    private var account: [UUID] = [], job: [UUID] = [], enqueued: [Date] = [], outcome: [String] = []
    private var code: [Int?] = [], message: [String?] = [], finished: [Date] = [], succeeded: [Bool] = [], park: [Bool] = []
    private var nextSync: [Date?] = [], attempt: [Int] = [], anchor: [Date?] = [], cursor: [Int64?] = []
    private var started: [Date?] = [], queueWait: [Int?] = [], duration: [Int?] = [], login: [Int?] = [], fetch: [Int?] = []
    private var positions: [Int?] = [], deals: [Int?] = []
    private var syncClass: [String?] = [], averageMs: [Int?] = [], lastDeal: [Date?] = [], deadline: [Date?] = []

    /// What a successful result teaches the schedule about its account (nil: keep the stored).
    struct ScheduleFacts {
        let syncClass: SyncClass
        let averageSyncMs: Int?
        let lastDealAt: Date?
        /// When the new data breaks its class's promise (`staleness_deadline`, dispatch's order).
        let stalenessDeadline: Date
    }

    var isEmpty: Bool { job.isEmpty }
    var count: Int { job.count }
    /// The accounts and outcomes added so far, in order (for the live-events NOTIFY).
    var accounts: [UUID] { account }
    var outcomes: [String] { outcome }

    /// Adds one job's end.
    /// - Parameters:
    ///   - error: MT5's `(code, message)` or klarod's own reason; not recorded on the account
    ///     after a success.
    ///   - historyCursor: the newest deal time the result carried, if any.
    mutating func add(
        accountID: UUID, jobID: UUID, enqueuedAt: Date, completion: JobCompletion, finishedAt: Date,
        error: (code: Int?, message: String?)?, run: RunFacts? = nil, historyCursor: Int64? = nil,
        schedule: ScheduleFacts? = nil
    ) {
        account.append(accountID)
        job.append(jobID)
        enqueued.append(enqueuedAt)
        outcome.append(completion.outcome.rawValue)
        code.append(error?.code)
        message.append(error?.message)
        finished.append(finishedAt)
        succeeded.append(completion.succeeded)
        park.append(completion.parks)
        nextSync.append(completion.nextSyncAt)
        attempt.append(completion.nextAttempt)
        anchor.append(completion.anchor)
        cursor.append(historyCursor)
        started.append(run?.startedAt)
        queueWait.append(run?.queueWaitMs)
        duration.append(run?.durationMs)
        login.append(run?.loginMs)
        fetch.append(run?.fetchMs)
        positions.append(run?.positions)
        deals.append(run?.deals)
        syncClass.append(schedule?.syncClass.rawValue)
        averageMs.append(schedule?.averageSyncMs)
        lastDeal.append(schedule?.lastDealAt)
        deadline.append(schedule?.stalenessDeadline)
    }

    /// Runs the statement on `connection` (inside the caller's transaction when it has one);
    /// returns how many accounts moved on (a job no longer its account's own moves none).
    @discardableResult
    func execute(_ connection: PostgresConnection) throws -> Int {
        guard !isEmpty else { return 0 }
        let rows = try connection.query(Self.sql, [
            account, job, enqueued, outcome, code, message, finished, succeeded, park, nextSync, attempt, anchor, cursor,
            started, queueWait, duration, login, fetch, positions, deals, syncClass, averageMs, lastDeal, deadline,
        ])
        return try rows.first?.int(0) ?? 0
    }

    /// A run is finished only while queued, an account moved on only while the job is still
    /// its own (an operator may have reset it meanwhile); a parked account keeps a status its
    /// owner changed. `consecutive_failures` counts every failed attempt since the last
    /// success, retries and lost jobs included. Each job brings its own next sync time, so the
    /// interval is the caller's per job, never a constant here.
    ///
    /// What every attempt changes (`last_synced`, `consecutive_failures`, and since 0021 the
    /// outcome and error) is on the narrow schedule row. The wide row (~1 KB: password, names,
    /// status) is locked and written only when something it holds changes: a success (last
    /// success, history cursor) or a park (status). A lost, timed-out or failed job, first or
    /// repeated, neither writes nor locks it (a row lock is a WAL record too, and after a
    /// checkpoint an image of its page).
    static let sql = """
        WITH u AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::int[], $6::text[],
                                 $7::timestamptz[], $8::bool[], $9::bool[], $10::timestamptz[], $11::int[],
                                 $12::timestamptz[], $13::bigint[], $14::timestamptz[], $15::int[], $16::int[],
                                 $17::int[], $18::int[], $19::int[], $20::int[], $21::text[], $22::int[],
                                 $23::timestamptz[], $24::timestamptz[])
                AS u(account_id, job_id, enqueued_at, outcome, code, message, finished, ok, park, next_sync, attempt,
                     anchor, cursor, started, queue_wait, duration, login_time, fetch_time, positions, deals,
                     sync_class, avg_ms, last_deal, deadline)
        ),
        runs AS (
            UPDATE sync_runs r
            SET state = 'finished', outcome = u.outcome, error_code = u.code, error_message = u.message,
                started_at = u.started, finished_at = u.finished, queue_wait_ms = u.queue_wait, duration_ms = u.duration,
                login_ms = u.login_time, fetch_ms = u.fetch_time, positions_count = u.positions, deals_count = u.deals
            FROM u WHERE r.job_id = u.job_id AND r.enqueued_at = u.enqueued_at AND r.state = 'queued'
        ),
        -- The account rows this completion changes, locked first, as every writer of both tables
        -- locks them (no deadlock with an API request holding an account row and waiting for its
        -- schedule row). Rechecked on the newest version when another transaction changed it.
        wide AS (
            SELECT a.id FROM user_mt5_accounts a JOIN u ON u.account_id = a.id
            WHERE u.ok OR (u.park AND a.status = 'active')
               OR greatest(a.history_cursor, u.cursor) IS DISTINCT FROM a.history_cursor
            ORDER BY a.id FOR UPDATE OF a
        ),
        moved AS (
            UPDATE account_schedule s
            SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                inflight_host = NULL, inflight_slot = NULL,
                next_sync_at = coalesce(u.next_sync, s.next_sync_at),
                attempt = u.attempt,
                interval_anchor = coalesce(u.anchor, s.interval_anchor),
                last_synced = u.finished,
                last_outcome = u.outcome,
                last_error_code = CASE WHEN u.ok THEN NULL ELSE u.code END,
                last_error_message = CASE WHEN u.ok THEN NULL ELSE u.message END,
                consecutive_failures = CASE WHEN u.ok THEN 0 ELSE s.consecutive_failures + 1 END,
                last_success_at = CASE WHEN u.ok THEN u.finished ELSE s.last_success_at END,
                sync_class = coalesce(u.sync_class, s.sync_class),
                avg_sync_ms = coalesce(u.avg_ms, s.avg_sync_ms),
                last_deal_at = greatest(s.last_deal_at, u.last_deal),
                -- A success sets it; a failure or a lost job keeps the last success's.
                staleness_deadline = coalesce(u.deadline, s.staleness_deadline)
            FROM u WHERE s.account_id = u.account_id AND s.inflight_job_id = u.job_id
              -- An uncorrelated subquery, run once before the first row: the wide locks come first.
              AND (SELECT count(*) FROM wide) >= 0
            RETURNING s.account_id, u.job_id
        ),
        written AS (
            UPDATE user_mt5_accounts a
            SET last_success_at = CASE WHEN u.ok THEN u.finished ELSE a.last_success_at END,
                status = CASE WHEN u.park AND a.status = 'active' THEN 'auth_failed' ELSE a.status END,
                history_cursor = greatest(a.history_cursor, u.cursor),
                updated_at = now()
            FROM u JOIN moved m ON m.account_id = u.account_id AND m.job_id = u.job_id
            WHERE a.id = u.account_id AND a.id IN (SELECT id FROM wide)
        )
        SELECT count(*) FROM moved
        """
}
