import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

/// `GET /admin/capacity` and `klaro capacity` on a hand-made fleet in the real PostgreSQL
/// (issue 13).
@Suite("Capacity planning: admin API and CLI")
struct CapacityTests {
    private func run(_ pool: PostgresPool, _ account: UUID, loginMs: Int, fetchMs: Int, ago: String) async throws {
        try await pool.execute("""
            INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, state, outcome,
                                   enqueued_at, deadline, finished_at, login_ms, fetch_ms)
            VALUES (gen_random_uuid(), $1, 'h1', 1, 1, 1, 'finished', 'ok',
                    now() - $2::interval, now(), now() - $2::interval, $3, $4)
            """, [account, ago, loginMs, fetchMs])
    }

    @Test("classes from positions and deals, sync time from recent runs, slots and hosts per scale; 422 on a bad utilisation")
    func capacity() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let pool = fixture.pool
            let ids = try await TestFleet.createAccounts(pool, vault: fixture.vault, count: 5)
            try await insertHost(pool, "h1", slots: 3)
            try await pool.execute("UPDATE user_mt5_accounts SET created_at = now() - interval '30 days'")
            // Moving: an open position; a deal two hours ago. Quiet: a deal three days ago.
            // Dormant: nothing for 30 days. Not counted: a paused account.
            try await pool.execute("""
                INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc)
                VALUES ($1, 1, 'EURUSD', 'BUY', 1, 1, 1, 0, now(), 0)
                """, [ids[0]])
            for (id, ago) in [(ids[1], "2 hours"), (ids[2], "3 days")] {
                try await pool.execute("""
                    INSERT INTO deals (account_id, ticket, time, time_utc, time_msc, type, entry, volume, price, symbol)
                    VALUES ($1, 1, now() - $2::interval, now() - $2::interval, 0, 0, 0, 1, 1, 'EURUSD')
                    """, [id, ago])
            }
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = $1", [ids[4]])
            // Moving: 4 s and 8 s (the second account unmeasured): 6 s. Quiet: 3 s; its 100 s
            // run two days ago is too old. Dormant: never measured, 5 s.
            try await run(pool, ids[0], loginMs: 1_000, fetchMs: 3_000, ago: "1 hour")
            try await run(pool, ids[0], loginMs: 2_000, fetchMs: 6_000, ago: "2 hours")
            try await run(pool, ids[2], loginMs: 1_000, fetchMs: 2_000, ago: "3 hours")
            try await run(pool, ids[2], loginMs: 50_000, fetchMs: 50_000, ago: "2 days")

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
