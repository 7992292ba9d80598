import Foundation
import KlaroAdminAPI
import KlaroPostgres

/// An account as the admin API shows it (never its password); the body is shared with the CLI.
typealias AdminAccountView = AdminAPI.Account

extension AdminAccountView {
    /// The rows ``columns`` read from: the account and its schedule row (`sch`).
    static let tables = "user_mt5_accounts a JOIN account_schedule sch ON sch.account_id = a.id"

    /// The columns ``init(row:)`` reads, in order; `$1` must be the stale-after seconds.
    static let columns = """
        a.id, a.user_id, a.mt5_login, a.mt5_server, a.account_name, a.status, a.is_active,
        a.status = 'active' AND a.is_active
            AND coalesce(a.last_success_at, a.created_at) < now() - make_interval(secs => $1::float8) AS stale,
        sch.assigned_host, sch.assigned_slot, a.pinned_host, a.pinned_slot, sch.inflight_job_id, sch.inflight_host,
        sch.inflight_slot,
        sch.last_synced, a.last_success_at, sch.last_outcome, sch.last_error_code, sch.last_error_message,
        sch.consecutive_failures, sch.next_sync_at
        """

    init(row: PostgresRow) throws {
        func slot(_ host: Int, _ index: Int) throws -> String? {
            guard let name = row.stringOrNil(host), let number = try row.intOrNil(index) else { return nil }
            return "\(name):\(number)"
        }
        let inflightJob = try row.uuidOrNil(12)?.uuidString.lowercased()
        self.init(
            id: try row.uuid(0).uuidString.lowercased(), user_id: try row.uuid(1).uuidString.lowercased(),
            mt5_login: try row.int64(2), mt5_server: try row.string(3), account_name: try row.string(4),
            status: try row.string(5), is_active: try row.bool(6), stale: try row.bool(7),
            assigned: try slot(8, 9), pinned: try slot(10, 11), in_flight: inflightJob != nil, inflight_job_id: inflightJob,
            inflight_slot: try slot(13, 14), last_synced: try row.dateOrNil(15), last_success_at: try row.dateOrNil(16),
            last_outcome: row.stringOrNil(17), last_error_code: try row.intOrNil(18), last_error_message: row.stringOrNil(19),
            consecutive_failures: try row.int(20), next_sync_at: try row.date(21)
        )
    }
}
