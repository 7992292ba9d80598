import Foundation
import KlaroPostgres

/// An account as the admin API shows it (never its password). Field names are the API's;
/// ids are lower-case UUIDs.
struct AdminAccountView: Encodable, Sendable, Equatable {
    let id: String
    let user_id: String
    let mt5_login: Int64
    let mt5_server: String
    let account_name: String
    let status: String
    let is_active: Bool
    /// Active, and no success for longer than `KLARO_STALE_AFTER`.
    let stale: Bool
    /// `host:slot` the account is placed on.
    let assigned: String?
    /// `host:slot` an operator pinned it to.
    let pinned: String?
    let in_flight: Bool
    let inflight_job_id: String?
    /// `host:slot` its job in flight was sent to.
    let inflight_slot: String?
    let last_synced: Date?
    let last_success_at: Date?
    let last_outcome: String?
    let last_error_code: Int?
    let last_error_message: String?
    let consecutive_failures: Int
    let next_sync_at: Date

    /// The columns ``init(row:)`` reads, in order; `$1` must be the stale-after seconds.
    static let columns = """
        a.id, a.user_id, a.mt5_login, a.mt5_server, a.account_name, a.status, a.is_active,
        a.status = 'active' AND a.is_active
            AND coalesce(a.last_success_at, a.created_at) < now() - make_interval(secs => $1::float8) AS stale,
        a.assigned_host, a.assigned_slot, a.pinned_host, a.pinned_slot, a.inflight_job_id, a.inflight_host, a.inflight_slot,
        a.last_synced, a.last_success_at, a.last_outcome, a.last_error_code, a.last_error_message,
        a.consecutive_failures, a.next_sync_at
        """

    init(row: PostgresRow) throws {
        func slot(_ host: Int, _ index: Int) throws -> String? {
            guard let name = row.stringOrNil(host), let number = try row.intOrNil(index) else { return nil }
            return "\(name):\(number)"
        }
        id = try row.uuid(0).uuidString.lowercased()
        user_id = try row.uuid(1).uuidString.lowercased()
        mt5_login = try row.int64(2)
        mt5_server = try row.string(3)
        account_name = try row.string(4)
        status = try row.string(5)
        is_active = try row.bool(6)
        stale = try row.bool(7)
        assigned = try slot(8, 9)
        pinned = try slot(10, 11)
        inflight_job_id = try row.uuidOrNil(12)?.uuidString.lowercased()
        in_flight = inflight_job_id != nil
        inflight_slot = try slot(13, 14)
        last_synced = try row.dateOrNil(15)
        last_success_at = try row.dateOrNil(16)
        last_outcome = row.stringOrNil(17)
        last_error_code = try row.intOrNil(18)
        last_error_message = row.stringOrNil(19)
        consecutive_failures = try row.int(20)
        next_sync_at = try row.date(21)
    }
}
