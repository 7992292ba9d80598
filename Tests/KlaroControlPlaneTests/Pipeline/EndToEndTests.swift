import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTestSupport
import Synchronization
import Testing

@Suite("Sync pipeline end to end (real PostgreSQL and Redis, test workers)")
struct EndToEndTests {
    @Test("200 accounts on 3 hosts × 4 slots: transient failures retried, bad passwords parked, every job recorded once")
    func fleetSyncsEveryAccount() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            let badPassword = "wrong-password"
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 200) { index in
                index == 17 || index == 123 ? badPassword : "investor-\(index)"
            }
            let indexOf = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($0.element, $0.offset) })
            let transient = [
                ("timeout", -10005, "IPC timeout"), ("ipc_error", -10004, "No IPC connection"), ("terminal_error", -1, "Terminal: Call failed"),
                ("wrong_account", -20001, "login() returned True but the terminal stayed on another account; no data sent"),
                ("terminal_incompatible", -5, "Terminal: Incompatible versions"),
            ]
            let hosts = try await startHosts(3, slots: 4, redisURL: fixture.redisURL) { job, password, _ in
                let index = indexOf[job.accountID] ?? 0
                if password == badPassword { return .failure(outcome: "auth_failed", code: -6, message: "Terminal: Authorization failed") }
                guard password == "investor-\(index)" else { return .failure(outcome: "terminal_error", code: -2, message: "wrong password delivered") }
                // 20 % of accounts fail their first attempt with a retryable error.
                if index % 5 == 0 && job.attempt == 1 {
                    let (outcome, code, message) = transient[(index / 5) % transient.count]
                    return .failure(outcome: outcome, code: code, message: message)
                }
                return TestFleet.healthyAnswer(login: job.login, server: job.server, seed: Int64(index))
            }
            try await TestFleet.admit(fixture.pool, hosts: 3, slots: 12)

            let settled = await TestHTTP.eventually(timeout: .seconds(90)) {
                let ok = try await fixture.count("SELECT count(*) FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE s.last_outcome = 'ok' AND a.status = 'active'")
                let parked = try await fixture.count("SELECT count(*) FROM user_mt5_accounts WHERE status = 'auth_failed'")
                return ok == 198 && parked == 2
            }
            #expect(settled, "every good account reaches ok and the two bad ones park")

            // The parked accounts were tried once and never again: even when their time has
            // come, ticks driven here dispatch nothing for them.
            let badIDs = [ids[17], ids[123]]
            try await fixture.pool.execute(
                "UPDATE account_schedule SET next_sync_at = now() - interval '1 minute' WHERE account_id = ANY($1::uuid[])", [badIDs])
            var dispatched = 0
            for _ in 0..<10 { dispatched += try await fixture.klarod.controlPlane.scheduler.tick().dispatched }
            #expect(dispatched == 0)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE account_id = ANY($1::uuid[])", [badIDs]) == 2)
            // The transient ones needed exactly one retry.
            let flaky = ids.enumerated().filter { $0.offset % 5 == 0 && $0.offset != 17 && $0.offset != 123 }.map(\.element)
            #expect(try await fixture.count("""
                SELECT count(*) FROM (SELECT account_id FROM sync_runs WHERE account_id = ANY($1::uuid[])
                                      GROUP BY account_id HAVING count(*) = 2 AND count(*) FILTER (WHERE outcome = 'ok') = 1) t
                """, [flaky]) == flaky.count)

            // One row per job, every one finished, and the metrics agree with the table.
            let jobsSeen = hosts.reduce(0) { $0 + $1.passwords.withLock { $0.count } }
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs") == jobsSeen)
            #expect(try await fixture.count("SELECT count(DISTINCT job_id) FROM sync_runs") == jobsSeen)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE state <> 'finished'") == 0)
            var table: [String: Int] = [:]
            for row in try await fixture.pool.query("SELECT outcome, count(*) FROM sync_runs GROUP BY outcome") {
                table[try row.string(0)] = try row.int(1)
            }
            #expect(table["ok"] == 198)
            #expect(table["auth_failed"] == 2)
            #expect(try await fixture.syncCounters() == table)

            // The data landed: snapshots, positions replaced, deals, and the trade rebuilt.
            #expect(try await fixture.count("SELECT count(*) FROM account_snapshots") == 198)
            #expect(try await fixture.count("SELECT count(*) FROM positions") == 198)
            #expect(try await fixture.count("SELECT count(*) FROM deals") == 198 * 3)
            let trade = try await fixture.pool.query(
                "SELECT type, volume, price_open, price_close, profit, commission, swap, is_closed FROM trades WHERE account_id = $1", [ids[1]])
            #expect(trade.count == 1)
            #expect(try trade[0].string(0) == "BUY")
            #expect(try trade[0].double(3) == 1.11)
            #expect(try trade[0].double(4) == 100)
            #expect(try trade[0].double(5) == -7)
            #expect(try trade[0].bool(7))
            // Every good account has an open position: moving, next due one moving interval
            // (a third of the 15 minutes) later.
            #expect(try await fixture.count(
                "SELECT count(*) FROM account_schedule WHERE status = 'active' AND sync_class = 'moving'") == 198)
            #expect(try await fixture.count("""
                SELECT count(*) FROM account_schedule WHERE status = 'active'
                  AND next_sync_at NOT BETWEEN now() + interval '4 minutes' AND now() + interval '5 minutes'
                """) == 0)

            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}
