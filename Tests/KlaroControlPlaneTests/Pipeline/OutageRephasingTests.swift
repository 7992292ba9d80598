import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

/// After an outage, the accounts' catch-up syncs put them back on their own phases (issue 13),
/// so the backlog does not stay bunched cycle after cycle.
@Suite("Sync pipeline: re-phasing after an outage")
struct OutageRephasingTests {
    @Test("40 quiet accounts two hours overdue sync at once, then fall due spread over their 15 minutes, each on its phase")
    func catchUpSpreads() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            let pool = fixture.pool
            let ids = try await TestFleet.createAccounts(pool, vault: fixture.vault, count: 40)
            // The outage: every account was due two hours ago.
            try await pool.execute("UPDATE account_schedule SET next_sync_at = now() - interval '2 hours'")
            // Quiet accounts: nothing open, deals a year old.
            let hosts = try await startHosts(1, slots: 4, redisURL: fixture.redisURL) { job, _, _ in
                guard case .ok(let account, _, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) else {
                    return .failure(outcome: "terminal_error", code: -1, message: "no healthy answer")
                }
                return .ok(account: account, positions: [], deals: deals)
            }
            try await TestFleet.admit(pool, hosts: 1, slots: 4)
            let synced = await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE last_outcome = 'ok'") == ids.count
            }
            #expect(synced)
            let rows = try await pool.query("""
                SELECT account_id, sync_class, extract(epoch FROM next_sync_at)::float8, extract(epoch FROM next_sync_at - last_success_at)::float8,
                       avg_sync_ms
                FROM account_schedule
                """)
            var dues: [Double] = []
            for row in rows {
                let account = try row.uuid(0), due = try row.double(2), wait = try row.double(3)
                #expect(try row.string(1) == "quiet")
                // On its own grid slot of its interval (900 s aimed early by its sync time, as
                // ingest schedules it), half to one and a half intervals on.
                let interval = SyncPolicy.standard.scheduledInterval(900, expectedSyncSeconds: Double(try row.intOrNil(4) ?? 0) / 1000)
                let offset = due.truncatingRemainder(dividingBy: interval)
                let phase = SyncPhase.fraction(of: account) * interval
                #expect(abs(offset - phase) < 0.01 || abs(abs(offset - phase) - interval) < 0.01, "offset \(offset), phase \(phase)")
                #expect(wait >= interval / 2 - 1 && wait <= interval * 1.5 + 1, "waits \(wait) s")
                dues.append(due)
            }
            // Bunched (now + 900 each), all 40 would fall within the seconds the catch-up took;
            // spread, no quarter of the interval holds more than half of them.
            #expect(dues.max()! - dues.min()! > 450, "due over \(dues.max()! - dues.min()!) s")
            let quarters = Dictionary(grouping: dues) { Int($0.truncatingRemainder(dividingBy: 900) / 225) }
            #expect(quarters.values.allSatisfy { $0.count <= 20 }, "\(quarters.mapValues(\.count))")
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}
