import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

/// `klaro status` says "never" when no account ever succeeded, instead of the age of the
/// oldest account's creation, and counts never-synced accounts apart (issue 16).
@Suite("Status: oldest success when nothing ever succeeded")
struct StatusNeverSyncedTests {
    @Test("the API omits the age and counts the never-synced; the CLI says never")
    func neverSynced() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 3)
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET created_at = now() - interval '3 hours'")

            var accounts = try #require(try await fixture.admin("GET", "/admin/status").json()["accounts"] as? [String: Any])
            #expect(accounts["oldest_success_age_seconds"] == nil, "no success: no age")
            #expect(accounts["never_synced"] as? Int == 3)
            var screen = try await runCLI(["status"], environment: cliEnvironment(fixture))
            #expect(screen.status == 0)
            let line = screen.output.split(separator: "\n").first { $0.hasPrefix("oldest success") }
            #expect(line?.contains("never; 3 never synced") == true, "\(screen.output)")
            #expect(line?.contains("3h") == false, "not the accounts' creation")

            try await fixture.pool.execute(
                "UPDATE user_mt5_accounts SET last_success_at = now() - interval '10 minutes' WHERE id = $1", [ids[0]]
            )
            accounts = try #require(try await fixture.admin("GET", "/admin/status").json()["accounts"] as? [String: Any])
            let age = try #require(accounts["oldest_success_age_seconds"] as? Double)
            #expect(age >= 600 && age < 3600)
            #expect(accounts["never_synced"] as? Int == 2)
            screen = try await runCLI(["status"], environment: cliEnvironment(fixture))
            #expect(screen.output.contains("10m ago; 2 never synced"), "\(screen.output)")
            await fixture.stop()
        }
    }
}
