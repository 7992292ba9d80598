import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// Bulk import of MT5 accounts for operators: moving traders over from the original system,
/// or loading a demo. One JSON object per line (fields in docs/api.md, "Bulk import"):
///
///     {"user_id": "…uuid…", "email": "a@b.c", "mt5_login": 5012345, "mt5_password": "…",
///      "mt5_server": "Broker-Demo", "account_name": "Main", "account_category": "Demo"}
///
/// `user_id` (the Supabase user id) or `email` names the owner; users are created as needed.
/// An account that exists (same user, server and login) gets the new password and is due
/// again, un-parked. A new account beyond the owner's plan limit is refused like in the API,
/// unless the operator chose `ignorePlan`. Passwords are encrypted with the current key
/// before they reach the database, and never printed.
public struct AccountImport: Sendable {
    public struct Summary: Sendable, Equatable {
        public var created = 0
        public var updated = 0
        /// Accounts created past their owner's plan limit (only with `ignorePlan`).
        public var overPlan = 0
        public var rejected: [String] = []
    }

    struct Line: Decodable {
        var user_id: UUID?
        var email: String?
        var mt5_login: Int64
        var mt5_password: String
        var mt5_server: String
        var account_name: String?
        var account_category: String?
    }

    /// What storing one line did.
    enum Stored {
        case created(overPlan: Bool)
        case updated
        case refused(String)
    }

    let pool: PostgresPool
    let vault: CredentialVault
    let ignorePlan: Bool
    let interval: TimeInterval

    /// - Parameters:
    ///   - ignorePlan: create accounts even past the owner's plan limit (counted in
    ///     ``Summary/overPlan``); without it such a line is refused.
    ///   - interval: the accounts' sync interval. New accounts' first syncs are spread over
    ///     one second per imported line, at most this interval (``SyncPhase``), so a large
    ///     import does not fall due at one instant; 0 makes every new account due at once.
    public init(pool: PostgresPool, vault: CredentialVault, ignorePlan: Bool = false, interval: TimeInterval = 0) {
        self.pool = pool
        self.vault = vault
        self.ignorePlan = ignorePlan
        self.interval = interval
    }

    /// Imports every line of `text`; a bad line is reported by number and skipped.
    public func run(_ text: String) async throws -> Summary {
        var summary = Summary()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let accounts = lines.count { !$0.allSatisfy(\.isWhitespace) && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        let spread = min(interval, Double(accounts))
        for (number, raw) in lines.enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            let line: Line
            do {
                line = try JSONDecoder().decode(Line.self, from: Data(trimmed.utf8))
            } catch {
                summary.rejected.append("line \(number + 1): not an account object (\(Self.describe(error)))")
                continue
            }
            if let problem = Self.problem(line) {
                summary.rejected.append("line \(number + 1): \(problem)")
                continue
            }
            switch try await store(line, spread: spread) {
            case .created(let overPlan):
                summary.created += 1
                if overPlan { summary.overPlan += 1 }
            case .updated:
                summary.updated += 1
            case .refused(let reason):
                summary.rejected.append("line \(number + 1): \(reason)")
            }
        }
        return summary
    }

    static func problem(_ line: Line) -> String? {
        if line.user_id == nil && (line.email ?? "").isEmpty { return "user_id or email is required" }
        if line.mt5_login <= 0 { return "mt5_login must be a positive number" }
        if line.mt5_password.isEmpty || line.mt5_password.utf8.count > 256 { return "mt5_password must be 1 to 256 bytes" }
        if line.mt5_server.isEmpty || line.mt5_server.utf8.count > 128 { return "mt5_server must be 1 to 128 characters" }
        if DisplayText.hasHiddenEffects(line.mt5_server) { return "mt5_server must not contain control or bidirectional-override characters" }
        if let name = line.account_name, DisplayText.hasHiddenEffects(name) {
            return "account_name must not contain control or bidirectional-override characters"
        }
        if let category = line.account_category, !["Demo", "Funded", "Challenge", "Real"].contains(category) {
            return "account_category must be Demo, Funded, Challenge or Real"
        }
        return nil
    }

    /// Stores one account in one transaction that holds the owner's row, so the plan check
    /// and the insert cannot race an API request of the same user.
    private func store(_ line: Line, spread: TimeInterval) async throws -> Stored {
        let vault = self.vault
        let ignorePlan = self.ignorePlan
        return try await pool.transaction { connection in
            let user = try Self.owner(line, connection: connection)
            try connection.query("SELECT id FROM users WHERE id = $1 FOR UPDATE", [user])
            let existing = try connection.query(
                "SELECT id FROM user_mt5_accounts WHERE user_id = $1 AND mt5_server = $2 AND mt5_login = $3",
                [user, line.mt5_server, line.mt5_login])
            if let row = existing.first {
                let id = try row.uuid(0)
                try connection.execute("""
                    UPDATE user_mt5_accounts SET mt5_password_encrypted = $2, account_name = coalesce($3, account_name),
                           account_category = coalesce($4, account_category),
                           status = CASE WHEN status = 'auth_failed' THEN 'active' ELSE status END,
                           updated_at = now()
                    WHERE id = $1
                    """, [id, try vault.seal(line.mt5_password, accountID: id), line.account_name, line.account_category])
                try connection.execute("""
                    UPDATE account_schedule SET next_sync_at = now(), staleness_deadline = least(staleness_deadline, now()),
                           attempt = 1, consecutive_failures = 0 WHERE account_id = $1
                    """, [id])
                return .updated
            }
            let plan = try Plan.current(for: user, connection: connection)
            var overPlan = false
            if let limit = plan.maxAccounts {
                let count = try connection.query("SELECT count(*) FROM user_mt5_accounts WHERE user_id = $1", [user])[0].int(0)
                overPlan = count >= limit
            }
            if overPlan && !ignorePlan {
                return .refused("the owner is on the \(plan.rawValue) plan, which allows \(plan.maxAccounts ?? 0) account(s); "
                    + "not imported (--ignore-plan imports it anyway)")
            }
            let id = UUID()
            try connection.execute("""
                INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name, account_category)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [id, user, line.mt5_login, try vault.seal(line.mt5_password, accountID: id), line.mt5_server,
                      line.account_name ?? "", line.account_category ?? "Demo"])
            if spread > 0 {
                let now = Date()
                let due = SyncPhase.rephased(of: id, due: now, interval: spread, spread: spread, now: now)
                try connection.execute("UPDATE account_schedule SET next_sync_at = $2 WHERE account_id = $1", [id, due])
            }
            return .created(overPlan: overPlan)
        }
    }

    /// The owner's id: `user_id` (created if new), or the oldest user with `email` (created if none).
    private static func owner(_ line: Line, connection: PostgresConnection) throws -> UUID {
        if let id = line.user_id {
            try connection.execute("INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [id, line.email])
            return id
        }
        let email = line.email ?? ""
        if let row = try connection.query("SELECT id FROM users WHERE email = $1 ORDER BY created_at LIMIT 1", [email]).first {
            return try row.uuid(0)
        }
        let id = UUID()
        try connection.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [id, email])
        return id
    }

    /// A decoding error without the line's content (which holds a password).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "invalid JSON" }
        switch error {
        case .keyNotFound(let key, _): return "\(key.stringValue) is missing"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")) has the wrong type"
        default: return "invalid JSON"
        }
    }
}
