import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// The SQL of the account endpoints. Every statement is scoped by the caller's user id, so
/// another user's account is simply not found.
struct AccountRepository: Sendable {
    let pool: PostgresPool
    let vault: CredentialVault?
    let rules: AccountView.Rules
    /// Seconds between two manual syncs of one account.
    let manualSyncInterval: Double

    private static let columns = AccountView.columns

    func list(userID: UUID) async throws -> [AccountView] {
        let rules = self.rules
        return try await pool.withConnection { connection in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM user_mt5_accounts WHERE user_id = $1 ORDER BY created_at, id", [userID])
            let now = Date()
            return try rows.map { try AccountView(row: $0, rules: rules, now: now) }
        }
    }

    func get(userID: UUID, id: UUID) async throws -> AccountView {
        let rules = self.rules
        return try await pool.withConnection { connection in
            let rows = try connection.query(
                "SELECT \(Self.columns) FROM user_mt5_accounts WHERE id = $1 AND user_id = $2", [id, userID])
            guard let row = rows.first else { throw HTTPProblem.notFound("account") }
            return try AccountView(row: row, rules: rules, now: Date())
        }
    }

    /// Adds an account, due for its first sync now. Refused (402) when the plan's account
    /// limit is reached, 409 when the user already has this login on this server.
    func create(userID: UUID, account: NewAccount) async throws -> AccountView {
        let id = UUID()
        let sealed = try seal(account.password, accountID: id)
        let rules = self.rules
        return try await pool.transaction { connection in
            // One account creation per user at a time, so two racing requests cannot both
            // pass the plan check.
            try connection.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [userID])
            let plan = try Plan.current(for: userID, connection: connection)
            if let limit = plan.maxAccounts {
                let count = try connection.query("SELECT count(*) FROM user_mt5_accounts WHERE user_id = $1", [userID])[0].int(0)
                guard count < limit else {
                    throw HTTPProblem.planLimit(
                        "accounts", message: "the \(plan.rawValue) plan allows \(limit) MT5 account\(limit == 1 ? "" : "s"); upgrade to pro for unlimited accounts")
                }
            }
            let rows = try connection.query(
                """
                INSERT INTO user_mt5_accounts
                    (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name, account_category)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (user_id, mt5_server, mt5_login) DO NOTHING
                RETURNING \(Self.columns)
                """,
                [id, userID, account.login, sealed, account.server, account.name, account.category.rawValue]
            )
            guard let row = rows.first else {
                throw HTTPProblem.conflict("account_exists", "you already added MT5 account \(account.login) on \(account.server)")
            }
            var view = try AccountView(row: row, rules: rules, now: Date())
            view.notice = AccountView.passwordNotice
            return view
        }
    }

    /// Renames, recategorises, or stores a new password. A new password makes the account due
    /// now and un-parks an `auth_failed` account.
    func update(userID: UUID, id: UUID, changes: AccountChanges) async throws -> AccountView {
        let sealed = try changes.password.map { try seal($0, accountID: id) }
        let rules = self.rules
        return try await pool.transaction { connection in
            let changed = try connection.execute(
                """
                UPDATE user_mt5_accounts SET
                    account_name = COALESCE($3, account_name),
                    account_category = COALESCE($4, account_category),
                    mt5_password_encrypted = COALESCE($5, mt5_password_encrypted),
                    status = CASE WHEN $5::text IS NOT NULL AND status = 'auth_failed' THEN 'active' ELSE status END,
                    updated_at = now()
                WHERE id = $1 AND user_id = $2
                """,
                [id, userID, changes.name, changes.category?.rawValue, sealed]
            )
            guard changed == 1 else { throw HTTPProblem.notFound("account") }
            if sealed != nil {
                try connection.execute(
                    """
                    UPDATE account_schedule SET next_sync_at = LEAST(next_sync_at, now()),
                           staleness_deadline = LEAST(staleness_deadline, now()), consecutive_failures = 0
                    WHERE account_id = $1
                    """, [id])
            }
            let rows = try connection.query("SELECT \(Self.columns) FROM user_mt5_accounts WHERE id = $1", [id])
            guard let row = rows.first else { throw HTTPProblem.notFound("account") }
            var view = try AccountView(row: row, rules: rules, now: Date())
            if sealed != nil { view.notice = AccountView.passwordNotice }
            return view
        }
    }

    /// Deletes the account and, through the schema's cascades, its snapshots, positions,
    /// deals, trades and sync runs; then lets the plan re-enable an account it had disabled.
    func delete(userID: UUID, id: UUID) async throws {
        try await pool.transaction { connection in
            let deleted = try connection.execute("DELETE FROM user_mt5_accounts WHERE id = $1 AND user_id = $2", [id, userID])
            guard deleted == 1 else { throw HTTPProblem.notFound("account") }
            try connection.query("SELECT klaro_apply_plan($1)", [userID])
        }
    }

    /// A manual sync: due now unless a job is in flight; at most once a minute per account.
    func requestSync(userID: UUID, id: UUID) async throws -> SyncRequestView {
        let interval = manualSyncInterval
        return try await pool.transaction { connection in
            let rows = try connection.query(
                """
                SELECT a.status, s.inflight_job_id IS NOT NULL,
                       EXTRACT(EPOCH FROM (a.sync_requested_at + make_interval(secs => $3) - now()))::float8, a.disabled_reason
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id
                WHERE a.id = $1 AND a.user_id = $2 FOR UPDATE OF a, s
                """,
                [id, userID, interval]
            )
            guard let row = rows.first else { throw HTTPProblem.notFound("account") }
            let status = try row.string(0)
            let inFlight = try row.bool(1)
            if let wait = try row.doubleOrNil(2), wait > 0 {
                throw HTTPProblem.tooManyRequests(
                    "sync_rate_limited", "a sync of this account was requested less than a minute ago", retryAfter: wait)
            }
            guard status == "active" else {
                let why = AccountView.statusText(status: status, disabledReason: row.stringOrNil(3), lastOutcome: nil, inFlight: false)
                throw HTTPProblem.conflict("account_not_active", "this account is not synced now (\(status)): \(why)")
            }
            try connection.execute("UPDATE user_mt5_accounts SET sync_requested_at = now() WHERE id = $1", [id])
            let updated = try connection.query(
                """
                UPDATE account_schedule SET
                    next_sync_at = CASE WHEN inflight_job_id IS NULL THEN LEAST(next_sync_at, now()) ELSE next_sync_at END,
                    staleness_deadline = CASE WHEN inflight_job_id IS NULL THEN LEAST(staleness_deadline, now())
                                              ELSE staleness_deadline END
                WHERE account_id = $1 RETURNING next_sync_at
                """,
                [id]
            )
            return SyncRequestView(
                account_id: id.lowercasedString, queued: !inFlight, in_flight: inFlight, next_sync_at: try updated[0].date(0),
                message: inFlight ? "a sync of this account is already running" : "the account will be synced within moments"
            )
        }
    }

    private func seal(_ password: String, accountID: UUID) throws -> String {
        guard let vault else {
            throw HTTPProblem.unavailable("credential encryption is not configured (KLARO_CREDENTIAL_KEYS)")
        }
        return try vault.seal(password, accountID: accountID)
    }
}
