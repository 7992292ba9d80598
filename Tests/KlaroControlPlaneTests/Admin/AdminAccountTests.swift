import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Admin API: accounts, pins, manual syncs, runs, rebalance, audit")
struct AdminAccountTests {
    @Test("listing filters by status, staleness and host; bad filters are 422")
    func listing() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 6)
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = $1", [ids[0]])
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = $1", [ids[1]])
            // Fresh: synced a minute ago. The others never synced and were created a week ago: stale.
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET created_at = now() - interval '7 days'")
            try await fixture.pool.execute("UPDATE user_mt5_accounts SET last_success_at = now() - interval '1 minute' WHERE id = $1", [ids[2]])
            try await fixture.refreshFleet()

            func list(_ query: String) async throws -> (ids: Set<String>, total: Int) {
                let reply = try await fixture.admin("GET", "/admin/accounts" + query)
                #expect(reply.status == 200, "\(query)")
                let json = try reply.json()
                let accounts = json["accounts"] as? [[String: Any]] ?? []
                return (Set(accounts.compactMap { $0["id"] as? String }), json["total"] as? Int ?? -1)
            }
            let lower = ids.map { $0.uuidString.lowercased() }
            #expect(try await list("").total == 6)
            #expect(try await list("?status=paused").ids == [lower[0]])
            #expect(try await list("?status=active").ids == Set(lower[2...]))
            #expect(try await list("?stale=true").ids == Set(lower[3...]))
            #expect(try await list("?stale=false").ids == Set(lower[0...2]))
            #expect(try await list("?status=active&stale=true").total == 3)
            #expect(try await list("?host=h1").total == 4, "active accounts are placed on h1")
            let limited = try await list("?limit=2")
            #expect(limited.ids.count == 2 && limited.total == 6)

            let all = try await fixture.admin("GET", "/admin/accounts").json()["accounts"] as? [[String: Any]] ?? []
            let first = try #require(all.first)
            for field in ["id", "user_id", "mt5_login", "mt5_server", "status", "stale", "in_flight", "consecutive_failures",
                          "next_sync_at"] {
                #expect(first[field] != nil, "account field \(field)")
            }
            #expect(all.allSatisfy { $0["mt5_password_encrypted"] == nil && $0["password"] == nil })

            for query in ["?status=gone", "?stale=maybe", "?limit=0", "?limit=abc", "?host=Bad_Host"] {
                let reply = try await fixture.admin("GET", "/admin/accounts" + query)
                #expect(reply.status == 422, "\(query)")
                #expect(try reply.json()["code"] as? String == "validation_failed")
            }
            #expect(try await fixture.admin("GET", "/admin/accounts/\(UUID())").status == 404)
            #expect(try await fixture.admin("GET", "/admin/accounts/not-a-uuid").status == 404)
            await fixture.stop()
        }
    }

    @Test("pin moves the account to the slot and is audited; unpin leaves it there; bad slots are 422")
    func pins() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            try await insertHost(fixture.pool, "h2")
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 4)
            try await fixture.refreshFleet()
            let id = ids[0].uuidString.lowercased()
            let before = try await fixture.admin("GET", "/admin/accounts/\(id)").json()["assigned"] as? String
            let target = before == "h2:2" ? "h1:1" : "h2:2"
            let (host, slot) = (String(target.prefix(2)), Int(target.suffix(1))!)

            let pinned = try await fixture.admin("POST", "/admin/accounts/\(id)/pin", json: ["host": host, "slot": slot])
            #expect(pinned.status == 200)
            let account = try pinned.json()
            #expect(account["pinned"] as? String == target)
            #expect(account["assigned"] as? String == target)
            #expect(try await fixture.metric("klaro_placement_moves_total{reason=\"pin\"}") == 1)
            let entry = try #require(try await fixture.auditEntries(action: "account.pin").first)
            #expect(entry["target"] as? String == id)
            #expect((entry["before"] as? [String: Any])?["assigned"] as? String == before)
            #expect((entry["after"] as? [String: Any])?["pinned"] as? String == target)

            let unpinned = try await fixture.admin("DELETE", "/admin/accounts/\(id)/pin")
            #expect(unpinned.status == 200)
            #expect(try unpinned.json()["pinned"] == nil)
            #expect(try unpinned.json()["assigned"] as? String == target)
            #expect(try await fixture.auditEntries(action: "account.unpin").count == 1)

            let noSlot = try await fixture.admin("POST", "/admin/accounts/\(id)/pin", json: ["host": "h1", "slot": 9])
            #expect(noSlot.status == 422)
            let badHost = try await fixture.admin("POST", "/admin/accounts/\(id)/pin", json: ["host": "H 1", "slot": 1])
            #expect(badHost.status == 422)
            let missing = try await fixture.admin("POST", "/admin/accounts/\(id)/pin", json: ["host": "h1"])
            #expect(missing.status == 422)
            #expect((try missing.json()["errors"] as? [[String: Any]])?.first?["field"] as? String == "slot")
            #expect(try await fixture.admin("POST", "/admin/accounts/\(UUID())/pin", json: ["host": "h1", "slot": 1]).status == 404)
            await fixture.stop()
        }
    }

    @Test("sync now: due at once, not twice while a job runs, refused for an inactive account; runs newest first")
    func syncAndRuns() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 3)
            // A deadline an hour away (a dormant account with time to spare).
            try await fixture.pool.execute(
                "UPDATE account_schedule SET next_sync_at = now() + interval '1 hour', staleness_deadline = now() + interval '1 hour'")
            let id = ids[0].uuidString.lowercased()

            let queued = try await fixture.admin("POST", "/admin/accounts/\(id)/sync")
            #expect(queued.status == 202)
            let answer = try queued.json()
            #expect(answer["queued"] as? Bool == true)
            #expect(answer["in_flight"] as? Bool == false)
            #expect(try await fixture.count("SELECT count(*) FROM account_schedule WHERE next_sync_at <= now() AND account_id = $1", [ids[0]]) == 1)
            // Its staleness deadline is now too, so dispatch ranks it with the accounts due now
            // rather than an hour later (migration 0016).
            #expect(try await fixture.count("SELECT count(*) FROM account_schedule WHERE staleness_deadline <= now() AND account_id = $1", [ids[0]]) == 1)
            #expect(try await fixture.auditEntries(action: "account.sync").count == 1)

            let job = UUID()
            try await fixture.pool.execute("""
                UPDATE account_schedule SET inflight_job_id = $2, inflight_enqueued_at = now(), next_sync_at = now() + interval '1 hour'
                WHERE account_id = $1
                """, [ids[1], job])
            let running = try await fixture.admin("POST", "/admin/accounts/\(ids[1].uuidString.lowercased())/sync").json()
            #expect(running["queued"] as? Bool == false)
            #expect(running["in_flight"] as? Bool == true)
            #expect((running["message"] as? String)?.contains(job.uuidString.lowercased()) == true)

            try await fixture.pool.execute("UPDATE user_mt5_accounts SET status = 'auth_failed' WHERE id = $1", [ids[2]])
            let parked = try await fixture.admin("POST", "/admin/accounts/\(ids[2].uuidString.lowercased())/sync")
            #expect(parked.status == 409)
            #expect(try parked.json()["code"] as? String == "account_not_active")
            #expect(try await fixture.auditEntries(action: "account.sync").first?["result"] as? String == "failed")
            #expect(try await fixture.admin("POST", "/admin/accounts/\(UUID())/sync").status == 404)

            // Runs: two rows written by hand, newest first, limited.
            for (offset, outcome) in [(60, "lost"), (10, "ok")] {
                try await fixture.pool.execute("""
                    INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, state, outcome, enqueued_at, deadline,
                                           finished_at, duration_ms)
                    VALUES (gen_random_uuid(), $1, 'h1', 1, 1, 1, 'finished', $2, now() - make_interval(secs => $3),
                            now(), now(), 1500)
                    """, [ids[0], outcome, offset])
            }
            let runs = try await fixture.admin("GET", "/admin/accounts/\(id)/runs").json()
            #expect(runs["account_id"] as? String == id)
            let list = try #require(runs["runs"] as? [[String: Any]])
            #expect(list.map { $0["outcome"] as? String } == ["ok", "lost"])
            #expect(list.first?["duration_ms"] as? Int == 1500)
            #expect((try await fixture.admin("GET", "/admin/accounts/\(id)/runs?limit=1").json()["runs"] as? [Any])?.count == 1)
            #expect(try await fixture.admin("GET", "/admin/accounts/\(id)/runs?limit=5000").status == 422)
            #expect(try await fixture.admin("GET", "/admin/accounts/\(UUID())/runs").status == 404)
            await fixture.stop()
        }
    }

    @Test("rebalance: a dry run changes nothing; applying moves accounts, in-flight ones after their job")
    func rebalance() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 40)
            try await fixture.refreshFleet()
            #expect(try await fixture.assigned(to: "h1").count == 40)
            // A second host joins: nothing moves by itself.
            try await insertHost(fixture.pool, "h2")
            try await fixture.refreshFleet()
            #expect(try await fixture.assigned(to: "h2").isEmpty)
            // One account of h1 has a job in flight.
            let busy = ids[0]
            try await fixture.pool.execute("""
                UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now(),
                       inflight_host = assigned_host, inflight_slot = assigned_slot, next_sync_at = now() + interval '1 hour'
                """)
            let snapshot = "SELECT string_agg(account_id::text || assigned_host || assigned_slot, ',' ORDER BY account_id) FROM account_schedule"
            let before = try await fixture.pool.query(snapshot)[0].string(0)

            let plan = try await fixture.admin("POST", "/admin/rebalance", json: ["dry_run": true]).json()
            #expect(plan["dry_run"] as? Bool == true)
            #expect(plan["applied"] as? Bool == false)
            #expect(plan["mode"] as? String == "rebalance")
            let moves = try #require(plan["moves"] as? [[String: Any]])
            #expect(!moves.isEmpty)
            // Every account starts on h1; the ideal spread sends about half to h2 (and, as capacity
            // shifts, may move a few between h1's own slots).
            #expect(moves.allSatisfy { ($0["from"] as? String)?.hasPrefix("h1:") == true && $0["from"] as? String != $0["to"] as? String })
            let toH2 = moves.filter { ($0["to"] as? String)?.hasPrefix("h2:") == true }.count
            // Each slot holds at most ceil(1.25 · 40 / 4) = 13, so h1 keeps at most 26 of 40.
            #expect(toH2 >= 14, "h2 takes at least what h1 cannot hold")
            #expect(moves.allSatisfy { $0["reason"] as? String == "rebalance" && $0["in_flight"] as? Bool == true })
            #expect((plan["summary"] as? [String: Any])?["deferred"] as? Int == moves.count)
            #expect(try await fixture.pool.query(snapshot)[0].string(0) == before, "a dry run changes nothing")
            #expect(try await fixture.auditEntries(action: "placement.rebalance").isEmpty)

            // Only the busy account is still in flight: the rest move now, it moves after its job.
            try await fixture.pool.execute("""
                UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_host = NULL,
                       inflight_slot = NULL WHERE account_id <> $1
                """, [busy])
            let applied = try await fixture.admin("POST", "/admin/rebalance", json: [:]).json()
            #expect(applied["applied"] as? Bool == true)
            let appliedMoves = try #require(applied["moves"] as? [[String: Any]])
            #expect(appliedMoves.count == moves.count, "the same plan")
            // Exactly the busy account's move waits for its job.
            #expect(appliedMoves.allSatisfy { ($0["in_flight"] as? Bool) == ($0["account_id"] as? String == busy.uuidString.lowercased()) })
            #expect(try await fixture.assigned(to: "h2").count == toH2)
            let audit = try #require(try await fixture.auditEntries(action: "placement.rebalance").first)
            #expect((audit["after"] as? [String: Any])?["moves"] as? Int == moves.count)
            // Placed as planned, the fleet is balanced: a second rebalance moves nothing.
            let again = try await fixture.admin("POST", "/admin/rebalance", json: ["dry_run": true, "mode": "keep_current"]).json()
            #expect((again["moves"] as? [Any])?.isEmpty == true)
            await fixture.stop()
        }
    }
}
