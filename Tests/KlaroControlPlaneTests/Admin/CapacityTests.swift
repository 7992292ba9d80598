import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

/// `GET /admin/capacity` and `klaro capacity` on a hand-made fleet in the real PostgreSQL
/// (issue 13).
@Suite("Capacity planning: admin API and CLI")
struct CapacityTests {
    @Test("classes and sync times as ingest keeps them in the schedule, slots and hosts per scale; 422 on a bad utilisation")
    func capacity() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let pool = fixture.pool
            let ids = try await TestFleet.createAccounts(pool, vault: fixture.vault, count: 5)
            try await insertHost(pool, "h1", slots: 3)
            // As ingest left them: two moving accounts of 4 s and 8 s (6 s), a quiet one of 3 s,
            // a dormant one never measured (5 s); a paused account does not count.
            for (id, syncClass, ms) in [(ids[0], "moving", 4_000), (ids[1], "moving", 8_000), (ids[2], "quiet", 3_000)] {
                try await pool.execute(
                    "UPDATE account_schedule SET sync_class = $2, avg_sync_ms = $3 WHERE account_id = $1", [id, syncClass, ms])
            }
            try await pool.execute("UPDATE account_schedule SET sync_class = 'dormant' WHERE account_id = $1", [ids[3]])
            try await pool.execute("UPDATE account_schedule SET sync_class = 'moving', avg_sync_ms = 100000 WHERE account_id = $1", [ids[4]])
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = $1", [ids[4]])
            // Demand: 2·6/300 + 3/900 + 5/3600 = 0.0447… busy slots; at utilisation 0.05 that
            // is 0.894 slots: 1, 2, 5 and 9 (8.94) slots; 1, 1, 2 and 3 hosts of 4.
            let reply = try await fixture.admin("GET", "/admin/capacity?target_utilisation=0.05")
            #expect(reply.status == 200)
            let body = try reply.json()
            #expect(body["target_utilisation"] as? Double == 0.05)
            #expect(body["live_slots"] as? Int == 3)
            #expect(body["slots_per_host"] as? Int == 4)
            let classes = try #require(body["classes"] as? [[String: Any]])
            #expect(classes.map { $0["sync_class"] as? String } == ["moving", "quiet", "dormant"])
            #expect(classes.map { $0["accounts"] as? Int } == [2, 1, 1])
            #expect(classes.map { $0["mean_sync_seconds"] as? Double } == [6, 3, 5])
            #expect(classes.map { $0["target_interval_seconds"] as? Double } == [300, 900, 3600])
            let scales = try #require(body["scales"] as? [[String: Any]])
            #expect(scales.map { $0["scale"] as? Int } == [1, 2, 5, 10])
            #expect(scales.map { $0["accounts"] as? Int } == [4, 8, 20, 40])
            #expect(scales.map { $0["slots_needed"] as? Int } == [1, 2, 5, 9])
            #expect(scales.map { $0["hosts_needed"] as? Int } == [1, 1, 2, 3])
            let demand = try #require(scales.first?["demand_slots"] as? Double)
            #expect(abs(demand - (0.04 + 3.0 / 900 + 5.0 / 3600)) < 1e-9)

            // The default utilisation, and bad ones.
            let standard = try await fixture.admin("GET", "/admin/capacity").json()
            #expect(standard["target_utilisation"] as? Double == 0.8)
            for bad in ["0", "0.001", "1e-300", "1.5", "-1", "abc", "nan"] {
                let refused = try await fixture.admin("GET", "/admin/capacity?target_utilisation=\(bad)")
                #expect(refused.status == 422, "target_utilisation=\(bad)")
                #expect(refused.text.contains("target_utilisation"))
            }
            #expect(try await fixture.admin("GET", "/admin/capacity", token: "wrong-token-wrong-token-x").status == 401)

            // The CLI: two tables and a summary line; --json is the API's body.
            let screen = try await runCLI(["capacity", "--target-utilisation", "0.05"], environment: cliEnvironment(fixture))
            #expect(screen.status == 0, "\(screen.output)")
            let lines = screen.output.split(separator: "\n").map(String.init)
            #expect(lines.first?.hasPrefix("CLASS") == true)
            #expect(lines.contains { $0.hasPrefix("moving") && $0.contains("6.0 s") && $0.contains("5 min") })
            #expect(lines.contains { $0.hasPrefix("SCALE") && $0.contains("SLOTS NEEDED") })
            let tenfold = try #require(lines.first { $0.hasPrefix("10x") }).split(separator: " ").map(String.init)
            #expect(tenfold == ["10x", "40", "0.4", "9", "3"])
            #expect(screen.output.contains("live slots 3; target utilisation 0.05; 4 slots per host"))
            let json = try await runCLI(["capacity", "--json"], environment: cliEnvironment(fixture))
            let parsed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
            #expect(parsed?["target_utilisation"] as? Double == 0.8)
            let refused = try await runCLI(["capacity", "--target-utilisation", "2"], environment: cliEnvironment(fixture))
            #expect(refused.status != 0)
            await fixture.stop()
        }
    }
}
