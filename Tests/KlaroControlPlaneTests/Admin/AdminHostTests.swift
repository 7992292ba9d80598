import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import KlaroTestSupport
import Testing

@Suite("Admin API: hosts, fleet, status, errors")
struct AdminHostTests {
    @Test("drain, undrain, cordon, uncordon: states, audit before/after, refusals as 409, unknown host 404")
    func hostActions() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            try await insertHost(fixture.pool, "h2")
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 20)
            try await fixture.refreshFleet()
            let onH1 = try await fixture.assigned(to: "h1").count
            #expect(onH1 > 0 && onH1 < 20)

            // Drain: the host's accounts move at once (the answer already shows it).
            let drained = try await fixture.admin("POST", "/admin/hosts/h1/drain")
            #expect(drained.status == 200)
            let host = try drained.json()
            #expect(host["admin_state"] as? String == "draining")
            #expect(host["state"] as? String == "draining")
            #expect(host["accounts"] as? Int == 0)
            #expect(try await fixture.assigned(to: "h1").isEmpty)
            #expect(try await fixture.assigned(to: "h2").count == 20)
            #expect(try await fixture.metric("klaro_placement_moves_total{reason=\"drain\"}") == Double(onH1))

            // Draining again is allowed and changes nothing; undrain from cordoned is refused.
            #expect(try await fixture.admin("POST", "/admin/hosts/h1/drain").status == 200)
            #expect(try await fixture.admin("POST", "/admin/hosts/h1/cordon").status == 200)
            let refused = try await fixture.admin("POST", "/admin/hosts/h1/undrain")
            #expect(refused.status == 409)
            #expect(try refused.json()["code"] as? String == "invalid_state")
            #expect(try await fixture.admin("POST", "/admin/hosts/h1/uncordon").status == 200)
            #expect(try await fixture.hostView("h1")["admin_state"] as? String == "active")
            // Back to active, h1 gets no accounts by itself: only a rebalance gives it its share.
            #expect(try await fixture.assigned(to: "h1").isEmpty)

            let entries = try await fixture.auditEntries()
            let actions = entries.compactMap { $0["action"] as? String }
            #expect(actions == ["host.uncordon", "host.undrain", "host.cordon", "host.drain", "host.drain"])
            let drain = try #require(entries.last)
            #expect((drain["before"] as? [String: Any])?["admin_state"] as? String == "active")
            #expect((drain["after"] as? [String: Any])?["admin_state"] as? String == "draining")
            #expect(drain["target"] as? String == "h1")
            #expect(entries[1]["result"] as? String == "failed")
            #expect(entries[3]["result"] as? String == "ok")   // the repeated drain: ok, before == after

            // Unknown host, unknown action, malformed host id: 404.
            for path in ["/admin/hosts/nope/drain", "/admin/hosts/h1/explode", "/admin/hosts/H_1/drain", "/admin/hosts/nope"] {
                let reply = try await fixture.admin(path.hasSuffix("nope") ? "GET" : "POST", path)
                #expect(reply.status == 404, "\(path)")
                #expect(try reply.json()["code"] as? String == "not_found")
            }
            await fixture.stop()
        }
    }

    @Test("draining the last usable host is refused unless forced")
    func lastHost() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 3)
            try await fixture.refreshFleet()
            let refused = try await fixture.admin("POST", "/admin/hosts/h1/drain")
            #expect(refused.status == 409)
            #expect(try refused.json()["code"] as? String == "no_capacity")
            #expect(try await fixture.assigned(to: "h1").count == 3)
            let forced = try await fixture.admin("POST", "/admin/hosts/h1/drain", json: ["force": true])
            #expect(forced.status == 200)
            #expect(try await fixture.count("SELECT count(*) FROM account_schedule WHERE assigned_host IS NULL") == 3)
            let status = try await fixture.admin("GET", "/admin/status").json()
            #expect((status["accounts"] as? [String: Any])?["unplaced"] as? Int == 3)
            await fixture.stop()
        }
    }

    @Test("bodies: not JSON is 400, unknown or mistyped fields 422, approval needs a fingerprint")
    func bodies() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1", state: .pending, approved: false)
            let notJSON = try await TestHTTP.request(
                "POST", fixture.klarod.baseURL + "/admin/rebalance",
                headers: ["Authorization": "Bearer \(fixture.klarod.adminToken)"], body: Data("dry_run=1".utf8))
            #expect(notJSON.status == 400)
            #expect(try notJSON.json()["code"] as? String == "bad_request")

            let unknown = try await fixture.admin("POST", "/admin/rebalance", json: ["dryrun": true])
            #expect(unknown.status == 422)
            let errors = try unknown.json()["errors"] as? [[String: Any]]
            #expect(errors?.first?["field"] as? String == "dryrun")

            let mistyped = try await fixture.admin("POST", "/admin/rebalance", json: ["dry_run": "yes"])
            #expect(mistyped.status == 422)
            #expect((try mistyped.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "dry_run")
            let badMode = try await fixture.admin("POST", "/admin/rebalance", json: ["mode": "shuffle"])
            #expect(badMode.status == 422)

            let noFingerprint = try await fixture.admin("POST", "/admin/hosts/h1/approve")
            #expect(noFingerprint.status == 422)
            #expect((try noFingerprint.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "fingerprint")
            #expect(try await fixture.hostView("h1")["admin_state"] as? String == "pending")
            await fixture.stop()
        }
    }

    @Test("fleet, host and status answers carry the documented fields")
    func shapes() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let key = try await insertHost(fixture.pool, "h1", slots: 3)
            try await insertHost(fixture.pool, "h2", state: .pending, approved: false)
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 9)
            try await fixture.refreshFleet()

            let fleet = try await fixture.admin("GET", "/admin/fleet").json()
            #expect(fleet["generated_at"] is String)
            let hosts = try #require(fleet["hosts"] as? [[String: Any]])
            #expect(hosts.map { $0["host"] as? String } == ["h1", "h2"])
            let h1 = hosts[0]
            for field in ["state", "admin_state", "key_fingerprint", "approved_key_fingerprint", "key_approved", "version",
                          "declared_slots", "registered_at", "last_seen_at", "live_slots", "accounts", "in_flight", "syncs_1h", "slots"] {
                #expect(h1[field] != nil, "host field \(field)")
            }
            #expect(h1["key_fingerprint"] as? String == HostKey.fingerprint(publicKey: try HostKey.publicKey(fromBase64: key)))
            #expect(h1["accounts"] as? Int == 9)
            let slots = try #require(h1["slots"] as? [[String: Any]])
            #expect(slots.map { $0["slot"] as? Int } == [1, 2, 3])
            for field in ["slot", "state", "placement", "weight", "accounts", "capacity", "in_flight", "last_heartbeat_at",
                          "heartbeat_age_seconds", "restarts", "syncs_1h"] {
                #expect(slots[0][field] != nil, "slot field \(field)")
            }
            // 9 accounts on 3 slots of weight 1: capacity ceil(1.25 · 9 / 3) = 4.
            #expect(slots.allSatisfy { $0["capacity"] as? Int == 4 })
            #expect(slots.reduce(0) { $0 + ($1["accounts"] as? Int ?? 0) } == 9)
            #expect(hosts[1]["state"] as? String == "pending")
            #expect(hosts[1]["key_approved"] as? Bool == false)
            #expect((hosts[1]["slots"] as? [[String: Any]])?.allSatisfy { $0["placement"] as? String == "dead" } == true)

            let leads = await TestHTTP.eventually { fixture.klarod.controlPlane.leadership.isLeader }
            #expect(leads)
            let status = try await fixture.admin("GET", "/admin/status").json()
            for field in ["generated_at", "leader", "syncs_1h", "accounts", "queue", "slots", "hosts", "demand_ratio"] {
                #expect(status[field] != nil, "status field \(field)")
            }
            #expect((status["hosts"] as? [String: Int]) == ["active": 1, "pending": 1])
            #expect((status["slots"] as? [String: Int]) == ["idle": 3, "pending": 2])
            // Nobody answers the jobs: every account is due or in flight.
            let queue = try #require(status["queue"] as? [String: Int])
            #expect(queue["due", default: 0] + queue["in_flight", default: 0] == 9)
            let leader = try #require(status["leader"] as? [String: Any])
            #expect(leader["present"] as? Bool == true)
            #expect(leader["this_node"] as? Bool == true)
            await fixture.stop()
        }
    }
}
