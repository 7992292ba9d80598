import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// Bulk import of MT5 accounts for operators: moving traders over from the original system,
/// or loading a demo. One JSON object per line:
///
///     {"user_id": "…uuid…", "email": "a@b.c", "mt5_login": 5012345, "mt5_password": "…",
///      "mt5_server": "Broker-Demo", "account_name": "Main", "account_category": "Demo"}
///
/// `user_id` (the Supabase user id) or `email` names the owner; users are created as needed.
/// An account that exists (same user, server and login) gets the new password and is due
/// again, un-parked. Passwords are encrypted with the current key before they reach the
/// database, and never printed.
public struct AccountImport: Sendable {
    public struct Summary: Sendable, Equatable {
        public var created = 0
        public var updated = 0
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

    let pool: PostgresPool
    let vault: CredentialVault

    public init(pool: PostgresPool, vault: CredentialVault) {
        self.pool = pool
        self.vault = vault
    }

    /// Imports every line of `text`; a bad line is reported by number and skipped.
    public func run(_ text: String) async throws -> Summary {
        var summary = Summary()
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
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
            if try await store(line) { summary.created += 1 } else { summary.updated += 1 }
        }
        return summary
    }

    static func problem(_ line: Line) -> String? {
        if line.user_id == nil && (line.email ?? "").isEmpty { return "user_id or email is required" }
        if line.mt5_login <= 0 { return "mt5_login must be a positive number" }
        if line.mt5_password.isEmpty || line.mt5_password.utf8.count > 256 { return "mt5_password must be 1 to 256 bytes" }
        if line.mt5_server.isEmpty || line.mt5_server.utf8.count > 128 { return "mt5_server must be 1 to 128 characters" }
        if let category = line.account_category, !["Demo", "Funded", "Challenge", "Real"].contains(category) {
            return "account_category must be Demo, Funded, Challenge or Real"
        }
        return nil
    }

    /// Stores one account; returns true if it was created.
    private func store(_ line: Line) async throws -> Bool {
        let user: UUID
        if let id = line.user_id {
            user = id
            try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING", [id, line.email])
        } else {
            let email = line.email ?? ""
            let found = try await pool.query("SELECT id FROM users WHERE email = $1 ORDER BY created_at LIMIT 1", [email])
            if let row = found.first {
                user = try row.uuid(0)
            } else {
                user = UUID()
                try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, email])
            }
        }
        let existing = try await pool.query(
            "SELECT id FROM user_mt5_accounts WHERE user_id = $1 AND mt5_server = $2 AND mt5_login = $3",
            [user, line.mt5_server, line.mt5_login])
        let id = try existing.first?.uuid(0) ?? UUID()
        let sealed = try vault.seal(line.mt5_password, accountID: id)
        if existing.isEmpty {
            try await pool.execute("""
                INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name, account_category)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, [id, user, line.mt5_login, sealed, line.mt5_server, line.account_name ?? "", line.account_category ?? "Demo"])
            return true
        }
        try await pool.execute("""
            UPDATE user_mt5_accounts SET mt5_password_encrypted = $2, account_name = coalesce($3, account_name),
                   account_category = coalesce($4, account_category), next_sync_at = now(), attempt = 1,
                   consecutive_failures = 0, status = CASE WHEN status = 'auth_failed' THEN 'active' ELSE status END,
                   updated_at = now()
            WHERE id = $1
            """, [id, sealed, line.account_name, line.account_category])
        return false
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
