import Foundation

extension AdminAPI {
    /// An account as the admin API shows it (never its password); ids are lower-case UUIDs.
    /// `user_id`, `account_name`, `is_active` and `next_sync_at` are always sent; they are
    /// optional for the CLI's tolerance (no command shows them).
    public struct Account: Codable, Sendable, Equatable {
        public let id: String
        public let user_id: String?
        public let mt5_login: Int64
        public let mt5_server: String
        public let account_name: String?
        public let status: String
        public let is_active: Bool?
        /// Active, and no success for longer than `KLARO_STALE_AFTER`.
        public let stale: Bool
        /// `host:slot` the account is placed on.
        public let assigned: String?
        /// `host:slot` an operator pinned it to.
        public let pinned: String?
        public let in_flight: Bool
        public let inflight_job_id: String?
        /// `host:slot` its job in flight was sent to.
        public let inflight_slot: String?
        public let last_synced: Date?
        public let last_success_at: Date?
        public let last_outcome: String?
        public let last_error_code: Int?
        public let last_error_message: String?
        public let consecutive_failures: Int
        public let next_sync_at: Date?

        public init(
            id: String, user_id: String?, mt5_login: Int64, mt5_server: String, account_name: String?, status: String,
            is_active: Bool?, stale: Bool, assigned: String?, pinned: String?, in_flight: Bool, inflight_job_id: String?,
            inflight_slot: String?, last_synced: Date?, last_success_at: Date?, last_outcome: String?, last_error_code: Int?,
            last_error_message: String?, consecutive_failures: Int, next_sync_at: Date?
        ) {
            self.id = id
            self.user_id = user_id
            self.mt5_login = mt5_login
            self.mt5_server = mt5_server
            self.account_name = account_name
            self.status = status
            self.is_active = is_active
            self.stale = stale
            self.assigned = assigned
            self.pinned = pinned
            self.in_flight = in_flight
            self.inflight_job_id = inflight_job_id
            self.inflight_slot = inflight_slot
            self.last_synced = last_synced
            self.last_success_at = last_success_at
            self.last_outcome = last_outcome
            self.last_error_code = last_error_code
            self.last_error_message = last_error_message
            self.consecutive_failures = consecutive_failures
            self.next_sync_at = next_sync_at
        }
    }

    /// `GET /admin/accounts`.
    public struct AccountList: Codable, Sendable {
        public let accounts: [Account]
        /// How many match the filters (the list stops at `limit`).
        public let total: Int

        public init(accounts: [Account], total: Int) {
            self.accounts = accounts
            self.total = total
        }
    }

    /// `POST /admin/accounts/{id}/sync`. `queued`, `in_flight` and `next_sync_at` are always
    /// sent; optional for the CLI's tolerance.
    public struct SyncRequest: Codable, Sendable {
        public let account_id: String
        /// False when a sync was already running.
        public let queued: Bool?
        public let in_flight: Bool?
        public let next_sync_at: Date?
        public let assigned: String?
        public let message: String

        public init(account_id: String, queued: Bool?, in_flight: Bool?, next_sync_at: Date?, assigned: String?, message: String) {
            self.account_id = account_id
            self.queued = queued
            self.in_flight = in_flight
            self.next_sync_at = next_sync_at
            self.assigned = assigned
            self.message = message
        }
    }

    /// One sync run.
    public struct Run: Codable, Sendable {
        public let job_id: String
        public let host: String
        public let slot: Int
        public let attempt: Int
        public let state: String
        public let outcome: String?
        public let error_code: Int?
        public let error_message: String?
        public let enqueued_at: Date
        public let started_at: Date?
        public let finished_at: Date?
        public let queue_wait_ms: Int?
        public let duration_ms: Int?
        public let login_ms: Int?
        public let fetch_ms: Int?
        public let positions_count: Int?
        public let deals_count: Int?

        public init(
            job_id: String, host: String, slot: Int, attempt: Int, state: String, outcome: String?, error_code: Int?,
            error_message: String?, enqueued_at: Date, started_at: Date?, finished_at: Date?, queue_wait_ms: Int?,
            duration_ms: Int?, login_ms: Int?, fetch_ms: Int?, positions_count: Int?, deals_count: Int?
        ) {
            self.job_id = job_id
            self.host = host
            self.slot = slot
            self.attempt = attempt
            self.state = state
            self.outcome = outcome
            self.error_code = error_code
            self.error_message = error_message
            self.enqueued_at = enqueued_at
            self.started_at = started_at
            self.finished_at = finished_at
            self.queue_wait_ms = queue_wait_ms
            self.duration_ms = duration_ms
            self.login_ms = login_ms
            self.fetch_ms = fetch_ms
            self.positions_count = positions_count
            self.deals_count = deals_count
        }
    }

    /// `GET /admin/accounts/{id}/runs`. `account_id` is always sent; optional for the CLI's tolerance.
    public struct RunList: Codable, Sendable {
        public let account_id: String?
        public let runs: [Run]

        public init(account_id: String?, runs: [Run]) {
            self.account_id = account_id
            self.runs = runs
        }
    }
}
