import Foundation
import KlaroPostgres

/// The ingest's announcement of finished syncs: one `NOTIFY` per account, sent inside the
/// ingest transaction so that it goes out exactly when (and only if) the sync is committed,
/// to every replica, whichever one serves the trader's browser.
enum AccountEventNotifier {
    /// Announces the accounts of a batch (their state as the transaction left it).
    static func notify(accounts: [UUID], outcomes: [String], connection: PostgresConnection) throws {
        guard !accounts.isEmpty else { return }
        try connection.query(sql, [accounts, outcomes])
    }

    static let sql = """
        SELECT pg_notify('\(AccountEvent.channel)', json_build_object(
                   'user_id', a.user_id, 'account_id', a.id, 'outcome', u.outcome, 'status', a.status,
                   'at', floor(extract(epoch FROM coalesce(s.last_synced, now())) * 1000)::bigint)::text)
        FROM unnest($1::uuid[], $2::text[]) AS u(id, outcome)
        JOIN user_mt5_accounts a ON a.id = u.id
        JOIN account_schedule s ON s.account_id = u.id
        """

    /// The events a trader missed since `at` (Unix ms), rebuilt from the accounts' current
    /// state, oldest first: what a reconnecting browser's `Last-Event-ID` resumes from.
    static func missed(userID: UUID, since at: Int64, pool: PostgresPool) async throws -> [AccountEvent] {
        try await pool.withConnection { connection in
            let rows = try connection.query("""
                SELECT a.id, coalesce(s.last_outcome, 'ok'), a.status, floor(extract(epoch FROM s.last_synced) * 1000)::bigint
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id
                WHERE a.user_id = $1 AND s.last_synced >= to_timestamp(($2::bigint + 1) / 1000.0)
                ORDER BY s.last_synced LIMIT 500
                """, [userID, at])
            return try rows.map { row in
                AccountEvent(userID: userID, accountID: try row.uuid(0), outcome: try row.string(1), status: try row.string(2), at: try row.int64(3))
            }
        }
    }
}
