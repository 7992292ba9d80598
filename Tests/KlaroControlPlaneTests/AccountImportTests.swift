import Foundation
import KlaroControlPlane
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("klarod accounts import")
struct AccountImportTests {
    @Test("imports accounts with encrypted passwords, updates and un-parks on re-import, reports bad lines without secrets")
    func importsAndUpdates() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "imp")))
            let user = UUID()
            let text = """
                {"user_id": "\(user)", "email": "a@example.com", "mt5_login": 5001, "mt5_password": "first-S3CRET", "mt5_server": "Broker-Demo", "account_name": "Main"}
                # a comment
                {"email": "b@example.com", "mt5_login": 5002, "mt5_password": "second-S3CRET", "mt5_server": "Broker-Live", "account_category": "Real"}
                {"email": "c@example.com", "mt5_login": -1, "mt5_password": "bad-S3CRET", "mt5_server": "X"}
                {"email": "d@example.com", "mt5_password": "missing-login-S3CRET", "mt5_server": "X"}
                """
            let summary = try await AccountImport(pool: pool, vault: vault).run(text)
            #expect(summary.created == 2)
            #expect(summary.updated == 0)
            #expect(summary.rejected.count == 2)
            #expect(summary.rejected.allSatisfy { !$0.contains("S3CRET") })
            #expect(summary.rejected[0].hasPrefix("line 4: mt5_login"))
            #expect(summary.rejected[1].contains("mt5_login is missing"))

            let row = try await pool.query(
                "SELECT id, mt5_password_encrypted, account_name FROM user_mt5_accounts WHERE mt5_login = 5001 AND user_id = $1", [user])
            let id = try row[0].uuid(0)
            let stored = try row[0].string(1)
            #expect(!stored.contains("first-S3CRET"))
            #expect(try vault.open(stored, accountID: id) == "first-S3CRET")
            #expect(try await pool.query("SELECT account_category FROM user_mt5_accounts WHERE mt5_login = 5002")[0].string(0) == "Real")

            try await pool.execute("UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = $1", [id])
            let again = try await AccountImport(pool: pool, vault: vault).run("""
                {"user_id": "\(user)", "mt5_login": 5001, "mt5_password": "new-S3CRET", "mt5_server": "Broker-Demo"}
                """)
            #expect(again.updated == 1 && again.created == 0)
            let updated = try await pool.query("SELECT status, mt5_password_encrypted, account_name FROM user_mt5_accounts WHERE id = $1", [id])
            #expect(try updated[0].string(0) == "active")
            #expect(try vault.open(try updated[0].string(1), accountID: id) == "new-S3CRET")
            #expect(try updated[0].string(2) == "Main")
            await pool.close()
        }
    }

    @Test("an import spreads its new accounts' first syncs over a second per line, at most the interval; without one they are due at once")
    func spreadsFirstSyncs() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "imp")))
            let user = UUID()
            func lines(_ logins: ClosedRange<Int>) -> String {
                logins.map { #"{"user_id": "\#(user)", "mt5_login": \#($0), "mt5_password": "p-\#($0)", "mt5_server": "Broker-Demo"}"# }
                    .joined(separator: "\n")
            }
            // 60 lines, interval 900: first syncs within the next 60 s, spread out.
            let started = Date()
            let spread = try await AccountImport(pool: pool, vault: vault, ignorePlan: true, interval: 900).run(lines(1...60))
            #expect(spread.created == 60)
            let offsets = try await pool.query("""
                SELECT extract(epoch FROM s.next_sync_at)::float8 FROM account_schedule s
                JOIN user_mt5_accounts a ON a.id = s.account_id WHERE a.mt5_login BETWEEN 1 AND 60
                """).map { try $0.double(0) - started.timeIntervalSince1970 }
            #expect(offsets.allSatisfy { $0 >= -1 && $0 <= 61 }, "\(offsets.sorted())")
            #expect(Set(offsets.map { Int($0 / 10) }).count >= 4, "spread over the minute: \(offsets.sorted())")
            // 5 lines, interval 3: within 3 s. No interval: due now.
            _ = try await AccountImport(pool: pool, vault: vault, ignorePlan: true, interval: 3).run(lines(101...105))
            _ = try await AccountImport(pool: pool, vault: vault, ignorePlan: true).run(lines(201...205))
            let windows = try await pool.query("""
                SELECT a.mt5_login / 100, max(extract(epoch FROM s.next_sync_at - a.created_at))::float8 FROM account_schedule s
                JOIN user_mt5_accounts a ON a.id = s.account_id WHERE a.mt5_login > 100 GROUP BY 1 ORDER BY 1
                """).map { (try $0.int(0), try $0.double(1)) }
            #expect(windows.count == 2)
            #expect(windows[0].0 == 1 && windows[0].1 <= 3.5)
            #expect(windows[1].0 == 2 && windows[1].1 <= 0.5)
            await pool.close()
        }
    }

    @Test("a new account past the owner's plan limit is refused unless --ignore-plan; a pro owner has no limit")
    func planLimits() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "imp")))
            let free = UUID(), pro = UUID()
            try await pool.execute("INSERT INTO users (id) VALUES ($1), ($2)", [free, pro])
            try await pool.execute(
                "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ($1, 'sub_p', 'cus_p', 'active')",
                [pro])
            func lines(_ user: UUID, _ logins: ClosedRange<Int>) -> String {
                logins.map { #"{"user_id": "\#(user)", "mt5_login": \#($0), "mt5_password": "pw-S3CRET", "mt5_server": "S"}"# }
                    .joined(separator: "\n")
            }
            let count = { (user: UUID) in try await pool.query("SELECT count(*) FROM user_mt5_accounts WHERE user_id = $1", [user])[0].int(0) }

            let applied = try await AccountImport(pool: pool, vault: vault).run(lines(free, 1...3) + "\n" + lines(pro, 1...3))
            #expect(applied.created == 4)
            #expect(applied.overPlan == 0)
            #expect(applied.rejected.count == 2)
            #expect(applied.rejected.allSatisfy { $0.contains("free plan") && $0.contains("--ignore-plan") && !$0.contains("S3CRET") })
            #expect(applied.rejected.map { $0.prefix(7) } == ["line 2:", "line 3:"])
            #expect(try await count(free) == 1)
            #expect(try await count(pro) == 3)

            // Updating the account the free owner has is not a new account: allowed.
            let update = try await AccountImport(pool: pool, vault: vault).run(lines(free, 1...1))
            #expect(update.updated == 1 && update.rejected.isEmpty)

            let ignored = try await AccountImport(pool: pool, vault: vault, ignorePlan: true).run(lines(free, 1...3))
            #expect(ignored.created == 2 && ignored.updated == 1 && ignored.overPlan == 2 && ignored.rejected.isEmpty)
            #expect(try await count(free) == 3)
            await pool.close()
        }
    }

    @Test("bidirectional-override and control characters in server or name are refused by line")
    func hiddenCharacters() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "imp")))
            let summary = try await AccountImport(pool: pool, vault: vault, ignorePlan: true).run("""
                {"email": "a@example.com", "mt5_login": 1, "mt5_password": "pw", "mt5_server": "Broker\\u202e-Demo"}
                {"email": "a@example.com", "mt5_login": 2, "mt5_password": "pw", "mt5_server": "S", "account_name": "x\\u2067y"}
                {"email": "a@example.com", "mt5_login": 3, "mt5_password": "pw", "mt5_server": "S", "account_name": "x\\u0007y"}
                """)
            #expect(summary.created == 0)
            #expect(summary.rejected.count == 3)
            #expect(summary.rejected[0].hasPrefix("line 1: mt5_server"))
            #expect(summary.rejected[1].hasPrefix("line 2: account_name"))
            #expect(summary.rejected[2].hasPrefix("line 3: account_name"))
            await pool.close()
        }
    }
}
