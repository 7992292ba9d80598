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
}
