import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing

/// The narrow scheduling table of migration 0010: one row per account, kept in step with the
/// account row, and filled by each successful ingest.
@Suite("Sync pipeline: the account_schedule table")
struct ScheduleTableTests {
    @Test("every account has exactly one schedule row, made with it (SQL or import), mirrored, and gone with it")
    func oneRowPerAccount() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "sch")))
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 3)
            let imported = try await AccountImport(pool: pool, vault: vault).run("""
                {"email": "i@example.com", "mt5_login": 7001, "mt5_password": "p", "mt5_server": "Broker-Demo"}
                """)
            #expect(imported.created == 1)
            let orphans = """
                SELECT (SELECT count(*) FROM user_mt5_accounts a WHERE NOT EXISTS
                            (SELECT 1 FROM account_schedule s WHERE s.account_id = a.id))
                     + (SELECT count(*) FROM account_schedule s WHERE NOT EXISTS
                            (SELECT 1 FROM user_mt5_accounts a WHERE a.id = s.account_id))
                """
            #expect(try await pool.query("SELECT count(*) FROM account_schedule")[0].int(0) == 4)
            #expect(try await pool.query(orphans)[0].int(0) == 0)
            let fresh = try await pool.query(
                "SELECT sync_class, next_sync_at <= now(), attempt, fence FROM account_schedule WHERE account_id = $1", [ids[0]])[0]
            #expect(try fresh.string(0) == "quiet")
            #expect(try fresh.bool(1), "a new account is due now")
            #expect(try fresh.int(2) == 0 && fresh.int64(3) == 0)

            // What dispatch filters on follows the account row; the slot lives on the schedule row
            // alone (0017): the account row has no such column, and placement writes only here.
            let wideColumns = try await pool.query("""
                SELECT count(*) FROM information_schema.columns
                WHERE table_name = 'user_mt5_accounts' AND column_name IN ('assigned_host', 'assigned_slot')
                """)[0].int(0)
            #expect(wideColumns == 0)
            try await pool.execute("INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', 'k', 'k')")
            try await pool.execute("INSERT INTO terminal_slots (host_id, slot) VALUES ('h1', 2)")
            // (Assigned while active: an account that stops being synced releases its slot, 0017.)
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 2 WHERE account_id = $1", [ids[1]])
            try await pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() - interval '1 hour' WHERE id = $1", [ids[1]])
            let assigned = try await pool.query(
                "SELECT assigned_host, assigned_slot FROM account_schedule WHERE account_id = $1", [ids[1]])[0]
            #expect(assigned.stringOrNil(0) == "h1")
            #expect(try assigned.intOrNil(1) == 2)
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused', is_active = false WHERE id = $1", [ids[1]])
            let mirrored = try await pool.query("""
                SELECT s.status, s.is_active, s.assigned_host, s.assigned_slot, s.last_success_at = a.last_success_at,
                       s.created_at = a.created_at
                FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id WHERE s.account_id = $1
                """, [ids[1]])[0]
            #expect(try mirrored.string(0) == "paused" && !mirrored.bool(1))
            #expect(try mirrored.stringOrNil(2) == nil && mirrored.intOrNil(3) == nil, "a paused account's slot is released")
            #expect(try mirrored.bool(4) && mirrored.bool(5))
            // Neither can a slot be given to an account that is not synced (a check, no trigger).
            await #expect(throws: (any Error).self) {
                try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 2 WHERE account_id = $1", [ids[1]])
            }
            // A slot that does not exist cannot be assigned (the foreign key moved with the columns).
            await #expect(throws: (any Error).self) {
                try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 3 WHERE account_id = $1", [ids[0]])
            }
            // A slot removed under the account clears the assignment (FK SET NULL).
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'active', is_active = true WHERE id = $1", [ids[1]])
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 2 WHERE account_id = $1", [ids[1]])
            #expect(try await pool.query("SELECT assigned_host FROM account_schedule WHERE account_id = $1", [ids[1]])[0].stringOrNil(0) == "h1")
            try await pool.execute("DELETE FROM terminal_slots WHERE host_id = 'h1'")
            #expect(try await pool.query("SELECT assigned_host FROM account_schedule WHERE account_id = $1", [ids[1]])[0].stringOrNil(0) == nil)

            try await pool.execute("DELETE FROM user_mt5_accounts WHERE id = $1", [ids[2]])
            #expect(try await pool.query("SELECT count(*) FROM account_schedule")[0].int(0) == 3)
            #expect(try await pool.query(orphans)[0].int(0) == 0)
            await pool.close()
        }
    }

    @Test("a successful sync records the account's class, newest deal and sync time average")
    func ingestFillsTheSchedule() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: fastSettings())
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 2)
            // Account 1 has been watched for 30 days and has nothing open: dormant once synced.
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET created_at = now() - interval '30 days' WHERE id = $1", [ids[1]])
            let quietLogin: Int64 = 5_000_001
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                let healthy = TestFleet.healthyAnswer(login: job.login, server: job.server)
                guard job.login == quietLogin, case let .ok(account, _, deals, delay) = healthy else { return healthy }
                return .ok(account: account, positions: [], deals: deals, delay: delay)
            }
            try await TestFleet.admit(fixture.pool, hosts: 1, slots: 1)
            let synced = await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == 2
            }
            #expect(synced)
            let newestDeal = Date(timeIntervalSince1970: TimeInterval(1_764_000_010 - 100))
            let rows = try await fixture.pool.query("""
                SELECT sync_class, last_deal_at, avg_sync_ms, last_success_at IS NOT NULL FROM account_schedule
                WHERE account_id = ANY($1::uuid[]) ORDER BY account_id = $2 DESC
                """, [ids, ids[0]])
            #expect(try rows[0].string(0) == "moving", "an open position")
            #expect(try rows[1].string(0) == "dormant", "nothing open, the last deal long ago, watched for 30 days")
            for row in rows {
                #expect(try row.dateOrNil(1) == newestDeal)
                #expect(try row.intOrNil(2) == 150, "login 120 ms + fetch 30 ms, the first sample")
                #expect(try row.bool(3))
            }
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}
