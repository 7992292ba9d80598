import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

/// The adaptive schedule on the leader (issue 13): the policy's stretch for the fleet as it is,
/// stored for ingest, used for an account's next sync, exported, and undone when load falls.
@Suite("Adaptive schedule: stretch under load, ingest follows it, recovery brings accounts forward")
struct SyncPolicyControllerTests {
    private func stored(_ pool: PostgresPool) async throws -> [String: Double] {
        var factors: [String: Double] = [:]
        for row in try await pool.query("SELECT sync_class, factor FROM sync_class_stretch") {
            factors[try row.string(0)] = try row.double(1)
        }
        return factors
    }

    @Test("one slot for 60 quiet accounts of 20 s: quiet stretches, a synced quiet account waits the stretched interval; load gone: targets again")
    func stretchAndRecover() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: SyncSettings(interval: 900, slotDeadAfter: 600, schedulerTick: 0.1))
            let pool = fixture.pool
            let ids = try await TestFleet.createAccounts(pool, vault: fixture.vault, count: 61)
            let probe = ids[0], load = Array(ids[1...])
            // The load: quiet accounts measured at 20 s, not due today; the probe waits too.
            try await pool.execute("""
                UPDATE account_schedule SET next_sync_at = now() + interval '1 day', sync_class = 'quiet', avg_sync_ms = 20000
                WHERE account_id = ANY($1::uuid[])
                """, [load])
            try await pool.execute("UPDATE account_schedule SET next_sync_at = now() + interval '1 day' WHERE account_id = $1", [probe])
            // The probe's answers: no open position, deals a year old: a quiet account.
            let hosts = try await startHosts(1, slots: 1, redisURL: fixture.redisURL) { job, _, _ in
                guard case .ok(let account, _, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) else {
                    return .failure(outcome: "terminal_error", code: -1, message: "no healthy answer")
                }
                return .ok(account: account, positions: [], deals: deals)
            }
            try await TestFleet.admit(pool, hosts: 1, slots: 1)

            // One live slot, a budget of 0.8 busy slots; demand 61·20/900 (the probe, unmeasured,
            // counts as its class's mean): quiet stretches to fit, dormant (empty) sits at the
            // maximum stretch (1.7), moving stays on target.
            let controller = fixture.klarod.controlPlane.syncPolicy
            let stretched = try await controller.adapt()
            let quiet = 61.0 * 20 / 900 / 0.8
            #expect(stretched.slots == 1)
            #expect(stretched.factor(.moving) == 1)
            #expect(abs(stretched.factor(.quiet) - quiet) < 1e-9)
            #expect(stretched.factor(.dormant) == SyncPolicy.defaultMaxStretch)
            let factors = try await stored(pool)
            #expect(factors == ["moving": 1, "quiet": (quiet * 100).rounded() / 100, "dormant": SyncPolicy.defaultMaxStretch])
            #expect(try await fixture.metric("klaro_sync_stretch_factor{class=\"dormant\"}") == SyncPolicy.defaultMaxStretch)
            #expect(try await fixture.metric("klaro_sync_interval_seconds{class=\"moving\"}") == 300)
            #expect(try await fixture.metric("klaro_sync_target_interval_seconds{class=\"quiet\"}") == 900)
            #expect(try await fixture.metric("klaro_capacity_slots_needed{scale=\"1x\"}") == 2)  // ⌈1.356 / 0.8⌉

            // The probe syncs (quiet): next due one stretched quiet interval later.
            try await pool.execute("UPDATE account_schedule SET next_sync_at = now() WHERE account_id = $1", [probe])
            let synced = await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE account_id = $1 AND last_outcome = 'ok'", [probe]) == 1
            }
            #expect(synced)
            let row = try await pool.query("""
                SELECT sync_class, extract(epoch FROM next_sync_at - last_success_at)::float8,
                       extract(epoch FROM staleness_deadline - last_success_at)::float8
                FROM account_schedule WHERE account_id = $1
                """, [probe])[0]
            let wait = try row.double(1)
            #expect(try row.string(0) == "quiet")
            #expect(abs(wait - 900 * factors["quiet"]!) < 5, "next sync \(wait) s after the success")
            // Its staleness deadline (dispatch's order, migration 0016): the stretched quiet
            // interval after the success, 10 % early.
            let deadline = try row.double(2)
            #expect(abs(deadline - 0.9 * 900 * factors["quiet"]!) < 0.01, "deadline \(deadline) s after the success")

            // The load goes (paused): every class back on target, the probe brought forward to
            // one quiet interval after its success, and the gauges follow.
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = ANY($1::uuid[])", [load])
            let relaxed = try await controller.adapt()
            #expect(!relaxed.isStretched)
            #expect(try await stored(pool) == ["moving": 1, "quiet": 1, "dormant": 1])
            let forward = try await pool.query("""
                SELECT extract(epoch FROM next_sync_at - last_success_at)::float8,
                       extract(epoch FROM staleness_deadline - last_success_at)::float8
                FROM account_schedule WHERE account_id = $1
                """, [probe])[0]
            let gap = try forward.double(0)
            #expect(abs(gap - 900) < 1, "brought forward to \(gap) s after the success")
            #expect(abs(try forward.double(1) - 810) < 0.01, "and its deadline with it")
            #expect(try await fixture.metric("klaro_sync_stretch_factor{class=\"quiet\"}") == 1)

            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }
}
