import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import KlaroTestSupport
import Testing

@Suite("klaro CLI against a running klarod")
struct CLITests {
    /// Runs `klaro` and returns its output, expecting `status`.
    private func klaro(
        _ arguments: [String], _ fixture: PipelineFixture, expect status: Int32 = 0, token: String? = nil,
        sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let result = try await runCLI(arguments, environment: cliEnvironment(fixture, token: token))
        #expect(result.status == status, "klaro \(arguments.joined(separator: " ")):\n\(result.output)", sourceLocation: sourceLocation)
        #expect(!result.output.contains("\u{1B}["), "no colour when not on a terminal", sourceLocation: sourceLocation)
        return result.output
    }

    /// Runs `klaro … --json` and parses the answer.
    private func json(_ arguments: [String], _ fixture: PipelineFixture, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let output = try await klaro(arguments + ["--json"], fixture, sourceLocation: sourceLocation)
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw TestServerError.commandFailed("not a JSON object: \(output)")
        }
        return object
    }

    /// The first line of `text` that contains `needle`, split on runs of spaces.
    private func row(_ text: String, containing needle: String) -> [String]? {
        text.split(separator: "\n").first { $0.contains(needle) }.map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    }

    @Test("every command: aligned table for people, JSON for scripts, meaningful exit codes")
    func commands() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let ids = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 6)
            let hosts = try await startHosts(2, slots: 2, redisURL: fixture.redisURL) { job, _, _ in answer(job) }
            try await TestFleet.admit(fixture.pool, hosts: 2, slots: 4)
            #expect(await TestHTTP.eventually(timeout: .seconds(30)) {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE outcome = 'ok'") == 6
            })
            #expect(await TestHTTP.eventually { fixture.klarod.controlPlane.leadership.isLeader })
            let id = ids[0].uuidString.lowercased()

            // status
            let status = try await klaro(["status"], fixture)
            #expect(row(status, containing: "syncs (1h)")?.contains("100.0%") == true, "\(status)")
            #expect(row(status, containing: "accounts") == ["accounts", "6", "active", "0", "auth_failed", "0", "paused", "0", "disabled"])
            #expect(status.contains("0 stale, 0 without a slot"))
            #expect(!status.hasPrefix("FIELD"), "a key-value screen has no header")
            #expect(row(status, containing: "leader")?.contains("this") == true)
            #expect(status.contains("4 idle") || status.contains("busy"))
            let statusJSON = try await json(["status"], fixture)
            #expect((statusJSON["syncs_1h"] as? [String: Any])?["ok"] as? Int == 6)

            // hosts
            let hostTable = try await klaro(["hosts"], fixture)
            let lines = hostTable.split(separator: "\n")
            #expect(lines.first?.hasPrefix("HOST  STATE") == true)
            #expect(lines.count == 3)
            let h1Row = try #require(row(hostTable, containing: "h1"))
            #expect(h1Row[1] == "active" && h1Row[2] == "2/2")
            // Columns line up: every row's STATE starts where the header's does.
            let stateColumn = try #require(lines[0].range(of: "STATE")).lowerBound.utf16Offset(in: lines[0])
            #expect(lines.dropFirst().allSatisfy { $0.dropFirst(stateColumn).hasPrefix("active") })
            let hostsJSON = try await json(["hosts"], fixture)
            #expect((hostsJSON["hosts"] as? [[String: Any]])?.map { $0["host"] as? String } == ["h1", "h2"])

            // slots
            let slots = try await klaro(["slots"], fixture)
            #expect(slots.split(separator: "\n").first?.hasPrefix("SLOT  STATE  PLACEMENT") == true)
            #expect(["h1:1", "h1:2", "h2:1", "h2:2"].allSatisfy { slots.contains($0) })
            let h1Slots = try await klaro(["slots", "--host", "h1"], fixture)
            #expect(h1Slots.contains("h1:2") && !h1Slots.contains("h2:1"))
            #expect((try await json(["slots", "--host", "h2"], fixture)["slots"] as? [Any])?.count == 2)

            // accounts
            let accounts = try await klaro(["accounts"], fixture)
            #expect(accounts.contains("6 of 6 shown"))
            #expect(row(accounts, containing: id)?.contains("active") == true)
            #expect(try await klaro(["accounts", "--stale"], fixture).contains("0 of 0 shown"))
            #expect(try await json(["accounts", "--status", "active", "--limit", "2"], fixture)["total"] as? Int == 6)

            // sync and runs
            #expect(try await klaro(["sync", id], fixture).contains("\(id): due now on h"))
            #expect(await TestHTTP.eventually {
                try await fixture.count("SELECT count(*) FROM sync_runs WHERE account_id = $1 AND outcome = 'ok'", [ids[0]]) == 2
            })
            let runs = try await klaro(["runs", id], fixture)
            #expect(runs.split(separator: "\n").first?.hasPrefix("ENQUEUED") == true)
            #expect(runs.split(separator: "\n").count == 3)
            #expect((try await json(["runs", id, "--limit", "1"], fixture)["runs"] as? [Any])?.count == 1)
            let syncJSON = try await json(["sync", id], fixture)
            #expect(syncJSON["account_id"] as? String == id)

            // pin and unpin
            #expect(try await klaro(["pin", id, "h2:1"], fixture).contains("pinned to h2:1, placed on h2:1"))
            #expect(try await json(["unpin", id], fixture)["pinned"] == nil)
            #expect(try await json(["pin", id, "h1:2"], fixture)["pinned"] as? String == "h1:2")
            #expect(try await klaro(["unpin", id], fixture).contains("not pinned, placed on h1:2"))

            // host states
            #expect(try await klaro(["cordon", "h1"], fixture).contains("h1: active → cordoned"))
            #expect(try await klaro(["cordon", "h1"], fixture).contains("h1: already cordoned"))
            #expect(try await klaro(["uncordon", "h1"], fixture).contains("h1: cordoned → active"))
            #expect(try await json(["drain", "h2"], fixture)["admin_state"] as? String == "draining")
            #expect(try await klaro(["undrain", "h2"], fixture).contains("h2: draining → active"))
            #expect(try await json(["cordon", "h2"], fixture)["admin_state"] as? String == "cordoned")
            #expect(try await json(["uncordon", "h2"], fixture)["admin_state"] as? String == "active")

            // rebalance: h2 was drained, so it lacks its share.
            let plan = try await klaro(["rebalance", "--dry-run"], fixture)
            #expect(plan.hasPrefix("dry run (rebalance): "))
            #expect(plan.contains("ACCOUNT") && plan.contains("rebalance"))
            let planJSON = try await json(["rebalance", "--dry-run", "--mode", "keep-current"], fixture)
            #expect(planJSON["dry_run"] as? Bool == true && planJSON["mode"] as? String == "keep_current")
            #expect(try await klaro(["rebalance"], fixture).hasPrefix("applied (rebalance): "))
            #expect(try await json(["rebalance"], fixture)["summary"] as? [String: Any] != nil)

            // audit
            let audit = try await klaro(["audit", "--limit", "100"], fixture)
            #expect(audit.split(separator: "\n").first?.hasPrefix("AT") == true)
            #expect(row(audit, containing: "host.cordon")?.contains { $0.hasPrefix("admin:tester@") } == true)
            #expect(row(audit, containing: "host.cordon")?.joined(separator: " ").hasSuffix("admin_state: active → cordoned") == true)
            #expect(audit.contains("admin_state: cordoned → cordoned") == false && audit.contains("no change"))
            let auditJSON = try await json(["audit", "--action", "account.pin"], fixture)
            #expect((auditJSON["entries"] as? [[String: Any]])?.count == 2)

            // hosts approve: shows the fingerprint, approves only that key.
            let key = try await insertHost(fixture.pool, "h3", slots: 1, state: .pending, approved: false)
            let fingerprint = HostKey.fingerprint(publicKey: try HostKey.publicKey(fromBase64: key))
            let shown = try await klaro(["hosts", "approve", "h3"], fixture, expect: 4)
            #expect(shown.contains(fingerprint) && shown.contains("--fingerprint \(fingerprint)"))
            let other = HostKey.fingerprint(publicKey: try X25519KeyPair.generate().publicKey)
            #expect(try await klaro(["hosts", "approve", "h3", "--fingerprint", other], fixture, expect: 4).contains("key_changed"))
            #expect(try await klaro(["hosts", "approve", "h3", "--fingerprint", fingerprint], fixture)
                .contains("h3: key \(fingerprint) approved; state active"))

            // drain --wait gives up after --timeout while a job hangs on the host (exit 7).
            try await insertHost(fixture.pool, "h9", slots: 1)
            _ = try await klaro(["pin", ids[1].uuidString.lowercased(), "h9:1"], fixture)
            try await fixture.pool.execute("UPDATE account_schedule SET next_sync_at = now() WHERE account_id = $1", [ids[1]])
            #expect(await TestHTTP.eventually {
                try await fixture.count("SELECT count(*) FROM account_schedule WHERE inflight_host = 'h9'") == 1
            })
            let timedOut = try await klaro(["drain", "h9", "--wait", "--timeout", "1"], fixture, expect: 7)
            #expect(timedOut.contains("draining h9: 0 accounts to move, 1 jobs in flight"))
            #expect(timedOut.contains("not drained"))

            // Exit codes for failures.
            #expect(try await klaro(["drain", "nope"], fixture, expect: 3).contains("not_found"))
            #expect(try await klaro(["status"], fixture, expect: 5, token: "").contains("KLARO_ADMIN_TOKEN"))
            _ = try await klaro(["status"], fixture, expect: 5, token: "wrong-token-0123456789abcdef")
            _ = try await klaro(["status", "--url", "http://127.0.0.1:1"], fixture, expect: 6)
            _ = try await klaro(["pin", id], fixture, expect: 64)
            _ = try await klaro(["pin", id, "h1"], fixture, expect: 64)
            #expect(try await klaro(["accounts", "--status", "gone"], fixture, expect: 4)
                .contains("status must be one of active, auth_failed, paused, disabled (validation_failed)"))
            for host in hosts { await host.kill() }
            await fixture.stop()
        }
    }

    @Test("the CLI finds klarod and the token in a config file, klarod's own included")
    func configFile() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            let directory = try ServerProcess.makeDirectory("klaro-cli")
            let port = URL(string: fixture.klarod.baseURL)!.port!
            let file = "\(directory)/klarod.env"
            try """
                # klarod's environment file
                KLARO_HTTP_ADDRESS=0.0.0.0:\(port)
                export KLARO_ADMIN_TOKEN="\(fixture.klarod.adminToken)"
                KLARO_DATABASE_URL=postgresql://ignored
                """.write(toFile: file, atomically: true, encoding: .utf8)
            let environment = ["USER": "tester", "HOME": directory, "PATH": "/usr/bin:/bin"]
            let result = try await runCLI(["hosts", "--json", "--config", file], environment: environment)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("\"hosts\""))
            let viaEnvironment = try await runCLI(["hosts"], environment: environment.merging(["KLARO_CONFIG": file]) { $1 })
            #expect(viaEnvironment.status == 0 && viaEnvironment.output.hasPrefix("HOST"))
            let missing = try await runCLI(["hosts", "--config", "\(directory)/nope"], environment: environment)
            #expect(missing.status == 4 && missing.output.contains("cannot read the config file"))
            await fixture.stop()
        }
    }
}
