import Foundation
import KlaroPostgres

/// Marks accounts whose whole deal history is now stored: a successful sync without a
/// history cursor asked from the epoch (``HistoryWindow``), so when its deals were not
/// truncated, every deal of the account is in `deals`.
enum HistoryCompleteness {
    /// Runs before the accounts' cursors move (inside the ingest's transaction).
    static func mark(accounts: [UUID], jobs: [UUID], connection: PostgresConnection) throws {
        guard !accounts.isEmpty else { return }
        try connection.execute(
            """
            UPDATE user_mt5_accounts a SET history_complete = true
            FROM unnest($1::uuid[], $2::uuid[]) AS u(id, job)
            JOIN account_schedule s ON s.account_id = u.id AND s.inflight_job_id = u.job
            WHERE a.id = u.id AND a.history_cursor IS NULL AND NOT a.history_complete
            """,
            [accounts, jobs])
    }
}
