import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Fleet: drain, dead hosts and their return, with live test workers")
struct FleetDrainTests {
    @Test("a drained host finishes its queued jobs, gets no new ones, its accounts move; klaro drain --wait returns then")
    func drain() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: fleetSettings(interval: 2))
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 12)
            // Slow jobs (0.8 s) on 2 slots per host keep the slots busy, so a drain finds work queued.
            let hosts = try await startHosts(2, slots: 2, redisURL: fixture.redisURL) { job, _, _ in
                answer(job, after: .milliseconds(800))
            }
            try await TestFleet.admit(fixture.pool, hosts: 2, slots: 4)
            let everySynced = await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL") == ids.count
            }
            #expect(everySynced)
            let busy = await TestHTTP.eventually(timeout: .seconds(20), every: .milliseconds(20)) {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND state = 'queued'") > 0
            }
            #expect(busy)
            let onH1 = try await fixture.assigned(to: "h1")
            #expect(!onH1.isEmpty)

            let drained = try await fixture.admin("POST", "/admin/hosts/h1/drain")
            #expect(drained.status == 200)
            let cutoff = try await fixture.databaseNow()
            let queuedAtDrain = try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND state = 'queued'")

            let (status, output) = try await runCLI(["drain", "h1", "--wait", "--timeout", "60"], environment: cliEnvironment(fixture))
            #expect(status == 0, "\(output)")
            #expect(output.contains("h1 is drained"))
            // When --wait returns, the host has no accounts and no job in flight.
            #expect(try await fixture.assigned(to: "h1").isEmpty)
            #expect(try await fixture.count("SELECT count(*) FROM account_schedule WHERE inflight_host = 'h1'") == 0)
            let h1 = try await fixture.hostView("h1")
            #expect(h1["accounts"] as? Int == 0 && h1["in_flight"] as? Int == 0 && h1["admin_state"] as? String == "draining")

            // No new job went to h1 after the drain, and every job it had finished ok: nothing lost.
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND enqueued_at > $1", [cutoff]) == 0)
            #expect(try await fixture.count(
                "SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND (state <> 'finished' OR outcome <> 'ok')") == 0)
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'lost'") == 0)
            #expect(queuedAtDrain > 0, "h1 had jobs queued when it was drained")

            // h1's accounts keep syncing, on h2.
            let movedAndSynced = await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("""
                    SELECT count(DISTINCT account_id) FROM sync_runs
                    WHERE account_id = ANY($1) AND host_id = 'h2' AND outcome = 'ok' AND enqueued_at > $2
                    """, [onH1, cutoff]) == onH1.count
            }
            #expect(movedAndSynced)
            #expect(try await fixture.metric("klaro_placement_moves_total{reason=\"drain\"}") == Double(onH1.count))
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("a dead host's accounts are re-placed within slot_dead_after plus a tick and synced elsewhere; back, it takes its share only after a rebalance")
    func deadHostReturns() async throws {
        try await withTestDatabase { database in
            let settings = fleetSettings(interval: 3, slotDeadAfter: 2)
            let fixture = try await PipelineFixture.start(database, settings: settings)
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 24)
            let h1 = try TestWorkerHost(host: "h1", slots: 2, redisURL: fixture.redisURL) { job, _, _ in answer(job) }
            let h2 = try TestWorkerHost(host: "h2", slots: 2, redisURL: fixture.redisURL) { job, _, _ in answer(job) }
            try await h1.start()
            try await h2.start()
            try await TestFleet.admit(fixture.pool, hosts: 2, slots: 4)
            #expect(await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("SELECT count(*) FROM user_mt5_accounts WHERE last_success_at IS NOT NULL") == ids.count
            })
            let onH1 = try await fixture.assigned(to: "h1")
            #expect(!onH1.isEmpty)

            // h1 dies. Its accounts are re-placed within slot_dead_after (2 s) plus a fleet tick (2 s).
            await h1.kill()
            let died = try await fixture.databaseNow()
            let replaced = await TestHTTP.eventually(timeout: .seconds(settings.slotDeadAfter + 2 + 3)) {
                try await fixture.assigned(to: "h1").isEmpty
            }
            #expect(replaced, "re-placed within slot_dead_after + one tick (with 3 s of slack)")
            #expect(try await fixture.assigned(to: "h2").count == ids.count)
            let syncedElsewhere = await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("""
                    SELECT count(DISTINCT account_id) FROM sync_runs
                    WHERE account_id = ANY($1) AND host_id = 'h2' AND outcome = 'ok' AND enqueued_at > $2
                    """, [onH1, died]) == onH1.count
            }
            #expect(syncedElsewhere)
            #expect(try await fixture.hostView("h1")["state"] as? String == "dead")
            // Its gauges say so: busy ratio 0 (not its last value), its slots counted dead.
            try await fixture.klarod.controlPlane.statusReporter.report()
            #expect(try await fixture.metric("klaro_host_busy_ratio{host=\"h1\"}") == 0)
            #expect(try await fixture.metric("klaro_slots{state=\"dead\"}") == 2)

            // h1 comes back (same key). It does not pull accounts back by itself.
            let back = try TestWorkerHost(host: "h1", slots: 2, redisURL: fixture.redisURL, keyPair: h1.keyPair) { job, _, _ in answer(job) }
            try await back.start()
            #expect(await TestHTTP.eventually(timeout: .seconds(20)) {
                try await fixture.hostView("h1")["live_slots"] as? Int == 2
            })
            for _ in 0..<3 { try await fixture.refreshFleet() }
            #expect(try await fixture.assigned(to: "h1").isEmpty, "no stampede: nothing moves back by itself")
            #expect(try await fixture.metric("klaro_placement_moves_total{reason=\"over_capacity\"}") == 0)
            #expect(try await fixture.hostView("h1")["state"] as? String == "active")

            // After a rebalance it takes its share, within its capacity, and syncs it.
            let rebalance = try await fixture.admin("POST", "/admin/rebalance", json: [:]).json()
            let moves = try #require(rebalance["moves"] as? [[String: Any]])
            let toH1 = moves.filter { ($0["to"] as? String)?.hasPrefix("h1:") == true }
            let share = Double(ids.count) / 2   // 2 of 4 slots, all of weight 1
            let capacityPerSlot = Int((1.25 * Double(ids.count) / 4).rounded(.up))
            let onH1Now = try await fixture.assigned(to: "h1")
            #expect(onH1Now.count == toH1.count)
            #expect(!onH1Now.isEmpty && onH1Now.count <= 2 * capacityPerSlot)
            #expect(Double(moves.count) <= 1.5 * share, "about its share moves, not the whole fleet: \(moves.count)")
            let host = try await fixture.hostView("h1")
            #expect((host["slots"] as? [[String: Any]])?.allSatisfy { ($0["accounts"] as? Int ?? 99) <= capacityPerSlot } == true)
            let rebalanced = try await fixture.databaseNow()
            #expect(await TestHTTP.eventually(timeout: .seconds(60)) {
                try await fixture.count("""
                    SELECT count(DISTINCT account_id) FROM sync_runs
                    WHERE account_id = ANY($1) AND host_id = 'h1' AND outcome = 'ok' AND enqueued_at > $2
                    """, [onH1Now, rebalanced]) == onH1Now.count
            })
            await back.kill()
            await h2.kill()
            await fixture.stop()
        }
    }
}
