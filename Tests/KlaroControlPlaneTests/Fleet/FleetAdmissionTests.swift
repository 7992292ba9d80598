import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import KlaroTestSupport
import Synchronization
import Testing

@Suite("Fleet: host admission")
struct FleetAdmissionTests {
    @Test("an unapproved host gets no jobs; approved by its fingerprint it does; a changed key is refused until approved")
    func admission() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: fleetSettings(interval: 900))
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 3)
            let first = try TestWorkerHost(host: "h1", slots: 1, redisURL: fixture.redisURL) { job, _, _ in answer(job) }
            try await first.start()
            #expect(await TestHTTP.eventually {
                try await fixture.count("SELECT count(*) FROM terminal_slots WHERE host_id = 'h1' AND state <> 'dead'") == 1
            })
            let fingerprint = HostKey.fingerprint(publicKey: first.keyPair.publicKey)
            let pending = try await fixture.hostView("h1")
            #expect(pending["admin_state"] as? String == "pending")
            #expect(pending["key_fingerprint"] as? String == fingerprint)
            #expect(pending["key_approved"] as? Bool == false)
            let registered = try #require(try await fixture.auditEntries(action: "host.register").first)
            #expect(registered["actor"] as? String == "klarod")
            #expect((registered["after"] as? [String: Any])?["key_fingerprint"] as? String == fingerprint)

            // Pending: no job, however often the scheduler runs.
            try await fixture.refreshFleet()
            for _ in 0..<5 { #expect(try await fixture.klarod.controlPlane.scheduler.tick().dispatched == 0) }
            #expect(try await fixture.count("SELECT count(*) FROM sync_runs") == 0)
            #expect(first.passwords.withLock { $0.isEmpty })

            // Approving another fingerprint is refused (and audited); the right one admits it.
            let other = HostKey.fingerprint(publicKey: try X25519KeyPair.generate().publicKey)
            let wrong = try await fixture.admin("POST", "/admin/hosts/h1/approve", json: ["fingerprint": other])
            #expect(wrong.status == 409)
            #expect(try wrong.json()["code"] as? String == "key_changed")
            #expect((try wrong.json()["message"] as? String)?.contains(fingerprint) == true)
            #expect(try await fixture.auditEntries(action: "host.approve").first?["result"] as? String == "denied")
            #expect(try await fixture.hostView("h1")["admin_state"] as? String == "pending")

            let approved = try await fixture.admin("POST", "/admin/hosts/h1/approve", json: ["fingerprint": fingerprint])
            #expect(approved.status == 200)
            #expect(try approved.json()["admin_state"] as? String == "active")
            #expect(try approved.json()["approved_key_fingerprint"] as? String == fingerprint)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE host_id = 'h1' AND outcome = 'ok'") == 3
            })
            #expect(try await fixture.pool.query("SELECT approved_by FROM worker_hosts WHERE host_id = 'h1'")[0].string(0) == "admin")

            // The host comes back with another key: refused, audited, no jobs.
            await first.kill()
            let impostor = try TestWorkerHost(host: "h1", slots: 1, redisURL: fixture.redisURL) { job, _, _ in answer(job) }
            try await impostor.start()
            #expect(await TestHTTP.eventually {
                try await fixture.hostView("h1")["admin_state"] as? String == "refused"
            })
            let refusedView = try await fixture.hostView("h1")
            let newFingerprint = HostKey.fingerprint(publicKey: impostor.keyPair.publicKey)
            #expect(refusedView["key_fingerprint"] as? String == newFingerprint)
            #expect(refusedView["approved_key_fingerprint"] as? String == fingerprint)
            let refusal = try #require(try await fixture.auditEntries(action: "host.refuse").first)
            #expect(refusal["actor"] as? String == "klarod")
            #expect(refusal["result"] as? String == "denied")
            #expect((refusal["after"] as? [String: Any])?["key_fingerprint"] as? String == newFingerprint)
            try await fixture.refreshFleet()
            #expect(try await fixture.auditEntries(action: "host.refuse").count == 1, "audited once, not on every refresh")
            try await fixture.pool.execute("UPDATE account_schedule SET next_sync_at = now()")
            for _ in 0..<5 { #expect(try await fixture.klarod.controlPlane.scheduler.tick().dispatched == 0) }
            #expect(impostor.passwords.withLock { $0.isEmpty })

            // The host returns to the key that was approved: it stays refused (a host whose key
            // flipped is suspect either way) until an operator approves it again.
            await impostor.kill()
            let returned = try TestWorkerHost(host: "h1", slots: 1, redisURL: fixture.redisURL, keyPair: first.keyPair) { job, _, _ in
                answer(job)
            }
            try await returned.start()
            #expect(await TestHTTP.eventually { try await fixture.hostView("h1")["key_fingerprint"] as? String == fingerprint })
            try await fixture.refreshFleet()
            #expect(try await fixture.hostView("h1")["admin_state"] as? String == "refused")
            for _ in 0..<5 { #expect(try await fixture.klarod.controlPlane.scheduler.tick().dispatched == 0) }
            #expect(returned.passwords.withLock { $0.isEmpty })
            #expect(try await fixture.auditEntries(action: "host.refuse").count == 1)
            await returned.kill()

            // An operator who checked the new key approves it: jobs flow again, sealed to the new key.
            let reinstalled = try TestWorkerHost(host: "h1", slots: 1, redisURL: fixture.redisURL, keyPair: impostor.keyPair) { job, _, _ in
                answer(job)
            }
            try await reinstalled.start()
            #expect(await TestHTTP.eventually { try await fixture.hostView("h1")["key_fingerprint"] as? String == newFingerprint })
            #expect(try await fixture.admin("POST", "/admin/hosts/h1/approve", json: ["fingerprint": newFingerprint]).status == 200)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                reinstalled.passwords.withLock { $0.values.contains("investor-pass") }
            })
            await reinstalled.kill()
            await fixture.stop()
        }
    }
}
