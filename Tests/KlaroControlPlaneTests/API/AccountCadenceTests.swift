import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

/// The accounts API tells a trader how often each account is synced (issue 13). Run against
/// the repository alone, so no leader rewrites the stretch table under the test.
@Suite("Traders' API: the sync cadence of an account")
struct AccountCadenceTests {
    @Test("the cadence follows the account's class, its owner's plan and the leader's stretch")
    func cadence() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "c1")))
            let id = try #require(try await TestFleet.createAccounts(pool, vault: vault, count: 1).first)
            let user = try await pool.query("SELECT user_id FROM user_mt5_accounts WHERE id = $1", [id])[0].uuid(0)
            let policy = try SyncPolicy(
                targets: SyncTargets(moving: 300, quiet: 900, dormant: 3600),
                planTargets: ["pro": SyncTargets(moving: 120, quiet: 600, dormant: 3600)])
            let repository = AccountRepository(
                pool: pool, vault: vault, rules: AccountView.Rules(staleness: Staleness(staleAfter: 3600), policy: policy),
                manualSyncInterval: 60)
            func cadence() async throws -> AccountView.Cadence { try await repository.get(userID: user, id: id).sync_cadence }

            // No terminal online (none registered, one not approved, one whose slots are dead):
            // the trader is told syncing waits for one.
            var seen = try await cadence()
            #expect(seen.terminals_offline && seen.text.hasSuffix("No Klaro terminal is online right now: syncing resumes as soon as one is back."))
            try await insertHost(pool, "unapproved", slots: 1, approved: false)
            try await insertHost(pool, "gone", slots: 2)
            try await pool.execute("UPDATE terminal_slots SET state = 'dead' WHERE host_id = 'gone'")
            #expect(try await cadence().terminals_offline)
            try await pool.execute("UPDATE terminal_slots SET state = 'idle' WHERE host_id = 'gone' AND slot = 2")

            // A new account is quiet until its first sync says otherwise.
            seen = try await cadence()
            #expect(!seen.terminals_offline)
            #expect(seen.sync_class == "quiet" && seen.target_seconds == 900 && seen.interval_seconds == 900 && !seen.stretched)
            #expect(seen.text == "Synced about every 15 min.")

            try await pool.execute("UPDATE account_schedule SET sync_class = 'moving' WHERE account_id = $1", [id])
            seen = try await cadence()
            #expect(seen.sync_class == "moving" && seen.target_seconds == 300)
            #expect(seen.text.hasPrefix("Synced about every 5 min while it has open positions"))

            // The owner's plan has its own targets.
            try await pool.execute(
                "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ($1, 'sub_c', 'cus_c', 'active')",
                [user])
            seen = try await cadence()
            #expect(seen.target_seconds == 120 && seen.interval_seconds == 120)

            // The leader stretched the moving class; other classes' factors do not apply.
            try await pool.execute("UPDATE sync_class_stretch SET factor = 1.5 WHERE sync_class = 'moving'")
            try await pool.execute("UPDATE sync_class_stretch SET factor = 1.7 WHERE sync_class = 'dormant'")
            seen = try await cadence()
            #expect(seen.target_seconds == 120 && seen.interval_seconds == 180 && seen.stretched)
            #expect(seen.text.hasSuffix("Klaro's terminals are busy right now: about every 3 min until they catch up."))
            #expect(try await repository.list(userID: user).map(\.sync_cadence.interval_seconds) == [180])

            try await pool.execute("UPDATE account_schedule SET sync_class = 'dormant' WHERE account_id = $1", [id])
            seen = try await cadence()
            #expect(seen.sync_class == "dormant" && seen.target_seconds == 3600 && seen.interval_seconds == 6120)
            await pool.close()
        }
    }
}
