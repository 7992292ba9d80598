import Foundation
import KlaroCore
import KlaroPostgres

/// An account as the API shows it: identity, labels and sync state, never the password.
struct AccountView: Encodable, Sendable {
    /// The last failed sync, in MT5's words and in the trader's.
    struct LastError: Encodable, Sendable {
        let outcome: String
        let code: Int?
        let message: String?
        let text: String
    }

    /// How often the account is synced, and why (issue 13).
    struct Cadence: Encodable, Sendable {
        let sync_class: String
        let target_seconds: Double
        let interval_seconds: Double
        let stretched: Bool
        let terminals_offline: Bool
        let text: String

        init(_ cadence: SyncCadence) {
            sync_class = cadence.syncClass.rawValue
            target_seconds = cadence.target
            interval_seconds = cadence.interval
            stretched = cadence.isStretched
            terminals_offline = cadence.terminalsOffline
            text = cadence.text
        }
    }

    /// Lowercase UUID, as Supabase writes ids.
    let id: String
    let mt5_login: Int64
    let mt5_server: String
    let account_name: String
    let account_category: String
    let status: String
    let disabled_reason: String?
    let status_text: String
    let created_at: Date
    let updated_at: Date
    let last_synced: Date?
    let last_success_at: Date?
    let last_outcome: String?
    let last_error: LastError?
    let consecutive_failures: Int
    let next_sync_at: Date
    let sync_in_flight: Bool
    let sync_requested_at: Date?
    let sync_cadence: Cadence
    let stale: Bool
    /// Set on create and on a password change only.
    var notice: String?

    static let passwordNotice = "The password is stored encrypted and never shown again. Use the account's investor "
        + "(read-only) password: Klaro only reads balances, positions and history."

    /// The columns ``init(row:rules:now:)`` reads, in order, from `user_mt5_accounts` (a
    /// SELECT or a RETURNING). The last attempt, its outcome and error, the failure count, the next sync, the job in
    /// flight and the class are the account's schedule row's; a row just inserted has none yet
    /// (its trigger runs after RETURNING): never tried, due now, quiet. The class's stretch is the leader's (`sync_class_stretch`); last, whether no
    /// terminal is online at all.
    static let columns = """
        id, mt5_login, mt5_server, account_name, account_category, status, disabled_reason, created_at, updated_at,
        (SELECT s.last_synced FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id),
        last_success_at,
        (SELECT s.last_outcome FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id),
        (SELECT s.last_error_code FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id),
        (SELECT s.last_error_message FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id),
        coalesce((SELECT s.consecutive_failures FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id), 0),
        coalesce((SELECT s.next_sync_at FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id), now()),
        EXISTS (SELECT 1 FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id AND s.inflight_job_id IS NOT NULL),
        sync_requested_at,
        coalesce((SELECT s.sync_class FROM account_schedule s WHERE s.account_id = user_mt5_accounts.id), 'quiet'),
        klaro_user_plan(user_id),
        coalesce((SELECT x.factor FROM account_schedule s JOIN sync_class_stretch x ON x.sync_class = s.sync_class
                  WHERE s.account_id = user_mt5_accounts.id), 1),
        NOT EXISTS (\(liveSlot))
        """

    /// A slot dispatch would give jobs to. Uncorrelated: evaluated once per statement however
    /// many accounts it returns.
    static let liveSlot = """
        SELECT 1 FROM terminal_slots s JOIN worker_hosts h ON h.host_id = s.host_id
        WHERE \(DispatchQuery.dispatchableSlotSQL)
        """

    /// What turns a row into a view beyond the row itself.
    struct Rules: Sendable {
        let staleness: Staleness
        let policy: SyncPolicy
    }

    init(row: PostgresRow, rules: Rules, now: Date) throws {
        id = try row.uuid(0).lowercasedString
        mt5_login = try row.int64(1)
        mt5_server = try row.string(2)
        account_name = try row.string(3)
        account_category = try row.string(4)
        status = try row.string(5)
        disabled_reason = row.stringOrNil(6)
        created_at = try row.date(7)
        updated_at = try row.date(8)
        last_synced = try row.dateOrNil(9)
        last_success_at = try row.dateOrNil(10)
        last_outcome = row.stringOrNil(11)
        let code = try row.intOrNil(12)
        let message = row.stringOrNil(13)
        consecutive_failures = try row.int(14)
        next_sync_at = try row.date(15)
        sync_in_flight = try row.bool(16)
        sync_requested_at = try row.dateOrNil(17)
        let syncClass = SyncClass(rawValue: try row.string(18)) ?? .quiet, plan = row.stringOrNil(19)
        sync_cadence = Cadence(SyncCadence(
            syncClass: syncClass, target: rules.policy.target(syncClass, plan: plan),
            interval: rules.policy.interval(syncClass, plan: plan, factors: [syncClass: try row.double(20)]),
            terminalsOffline: try row.bool(21)))
        stale = status == "active" && rules.staleness.isStale(lastSuccessAt: last_success_at, createdAt: created_at, now: now)
        if let outcome = last_outcome, outcome != SyncOutcome.ok.rawValue {
            last_error = LastError(outcome: outcome, code: code, message: message, text: Self.words(outcome: outcome))
        } else {
            last_error = nil
        }
        status_text = Self.statusText(status: status, disabledReason: disabled_reason, lastOutcome: last_outcome, inFlight: sync_in_flight)
    }

    /// A failed sync's outcome in words a trader can act on.
    static func words(outcome: String) -> String {
        switch SyncOutcome(rawValue: outcome) {
        case .authFailed: "MT5 refused the login: check the login, password and server. Syncing resumes when you enter a new password."
        case .otpRequired: "The broker asks for a one-time password or certificate, which Klaro cannot give; this account cannot be synced."
        case .timeout: "The broker's server did not answer in time; Klaro tries again shortly."
        case .ipcError: "The MT5 terminal stopped answering; Klaro restarted it and tries again shortly."
        case .terminalError: "The MT5 terminal reported an error; Klaro tries again shortly."
        case .lost: "The sync did not finish in time; Klaro tries again shortly."
        case .sealRejected: "The worker refused the job's sealed password (a security check); Klaro tries again shortly."
        case .wrongAccount: "The MT5 terminal did not switch to this account, so nothing was stored; Klaro tries again shortly."
        case .terminalIncompatible: "An MT5 terminal needs an update by Klaro's operators; Klaro tries again on another terminal shortly."
        case .ok: "Synced."
        case nil: "The last sync failed (\(outcome))."
        }
    }

    static func statusText(status: String, disabledReason: String?, lastOutcome: String?, inFlight: Bool) -> String {
        switch status {
        case "auth_failed":
            return lastOutcome.map(words(outcome:)) ?? words(outcome: SyncOutcome.authFailed.rawValue)
        case "paused":
            return "Paused by you."
        case "disabled":
            return disabledReason == "plan"
                ? "Not synced: the free plan syncs 1 account. Upgrade to pro to sync every account."
                : "Disabled by Klaro's operators; contact support."
        default:
            if inFlight { return "Syncing now." }
            guard let lastOutcome else { return "Waiting for the first sync." }
            return lastOutcome == SyncOutcome.ok.rawValue ? "Synced." : words(outcome: lastOutcome)
        }
    }
}

/// The answer of `POST /api/accounts/{id}/sync`.
struct SyncRequestView: Encodable, Sendable {
    let account_id: String
    /// True when the account was made due now; false when a sync was already running.
    let queued: Bool
    let in_flight: Bool
    let next_sync_at: Date
    let message: String
}
