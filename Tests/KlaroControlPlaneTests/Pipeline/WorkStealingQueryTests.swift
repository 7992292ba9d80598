import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Synchronization
import Testing

/// Work stealing in the dispatch statement (issue 13): a slot with room left after its own due
/// accounts takes late accounts of a busy slot of its host, as `WorkStealing.assign` pairs them.
@Suite("Sync pipeline: work stealing against PostgreSQL")
struct WorkStealingQueryTests {
    /// Approved hosts (`h1` with `slots` slots, `h2` with one) and `count` accounts, all
    /// assigned to h1's slot 1 and due tomorrow until a test makes them due.
    private func fleet(_ pool: PostgresPool, slots: Int, count: Int) async throws -> [UUID] {
        try await insertHost(pool, "h1", slots: slots)
        try await insertHost(pool, "h2", slots: 1)
        let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "steal")))
        let ids = try await TestFleet.createAccounts(pool, vault: vault, count: count)
        try await pool.execute(
            "UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1, next_sync_at = now() + interval '1 day'")
        return ids
    }

    /// Makes `account` due `seconds` ago, with a staleness deadline `deadline` s from now (nil: none).
    private func due(_ pool: PostgresPool, _ account: UUID, ago seconds: Double, deadline: Double? = nil) async throws {
        try await pool.execute("""
            UPDATE account_schedule SET next_sync_at = now() - make_interval(secs => $2::float8),
                   staleness_deadline = now() + make_interval(secs => $3::float8) WHERE account_id = $1
            """, [account, seconds, deadline])
    }

    /// Fills h1's slot 1 with a job of `account` (so that slot has no room at queue depth 1).
    private func occupy(_ pool: PostgresPool, _ account: UUID, slot: Int = 1) async throws {
        try await pool.execute("""
            UPDATE account_schedule SET inflight_job_id = gen_random_uuid(), inflight_enqueued_at = now(),
                   inflight_deadline = now() + interval '1 minute', inflight_host = 'h1', inflight_slot = $2
            WHERE account_id = $1
            """, [account, slot])
    }

    private func dispatch(
        _ pool: PostgresPool, depth: Int, stealAfter: Double? = WorkStealing.defaultLateness, acrossHostsAfter: Double? = nil
    ) async throws -> [DispatchQuery.Row] {
        try await pool.transaction {
            try DispatchQuery.run($0, queueDepth: depth, deadlineSeconds: 60, stealAfter: stealAfter, stealAcrossHostsAfter: acrossHostsAfter)
        }
    }

    @Test("the idle slot takes the most late job of its busy neighbour: not one not yet late, not a pinned one, not one with time to spare, not another host's; the account keeps its slot and the result ingests")
    func idleSlotTakesTheLatestLateJob() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 2, count: 6)
            try await occupy(pool, ids[5])
            try await due(pool, ids[0], ago: 600)                   // late by 10 minutes
            try await due(pool, ids[1], ago: 300)                   // late by 5 minutes
            try await due(pool, ids[2], ago: 30)                    // due, not late
            try await due(pool, ids[3], ago: 1_200)                 // the most late, but pinned
            try await due(pool, ids[4], ago: 900, deadline: 1_800)  // due long ago, its promise holds for 30 minutes
            try await pool.execute("UPDATE user_mt5_accounts SET pinned_host = 'h1', pinned_slot = 1 WHERE id = $1", [ids[3]])

            let rows = try await dispatch(pool, depth: 1)
            #expect(rows.map(\.accountID) == [ids[0]])
            let row = try #require(rows.first)
            #expect(row.host == "h1" && row.slot == 2 && row.stolen)
            let schedule = try await pool.query("""
                SELECT assigned_host, assigned_slot, inflight_host, inflight_slot FROM account_schedule WHERE account_id = $1
                """, [ids[0]])[0]
            #expect(try schedule.string(0) == "h1" && schedule.int(1) == 1, "stealing moved the account")
            #expect(try schedule.string(2) == "h1" && schedule.int(3) == 2)
            let run = try await pool.query("SELECT host_id, slot FROM sync_runs WHERE job_id = $1", [row.jobID])[0]
            #expect(try run.string(0) == "h1" && run.int(1) == 2)

            // Both slots full: nothing more. Room for one more each: slot 1 takes its own first
            // (the pinned one ranks first), slot 2 the next late one.
            #expect(try await dispatch(pool, depth: 1).isEmpty)
            let next = try await dispatch(pool, depth: 2)
            #expect(Dictionary(uniqueKeysWithValues: next.map { ($0.accountID, "\($0.slot) \($0.stolen)") })
                == [ids[3]: "1 false", ids[1]: "2 true"])

            // The thief's result ingests; the same result claiming the assigned slot does not.
            let store = IngestStore(settings: SyncSettings(), retryPolicy: RetryPolicy.standard)
            func ingest(slot: Int) async throws -> Bool {
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                let json = """
                    {"v": 1, "job_id": "\(row.jobID.uuidString.lowercased())", "account_id": "\(ids[0].uuidString.lowercased())",
                     "host": "h1", "slot": \(slot), "fence": \(row.fence), "started_at": \(now - 2000), "finished_at": \(now),
                     "outcome": "timeout", "mt5_error": {"code": -10005, "message": "IPC timeout"}, "login_ms": null,
                     "fetch_ms": null, "account": null, "positions": null, "deals": null, "terminal": null}
                    """
                let result = IncomingResult(entryID: "1-0", message: try JSONDecoder().decode(ResultMessage.self, from: Data(json.utf8)))
                let verdicts = try await pool.transaction { try store.ingest([result], connection: $0, now: Date()) }
                if case .applied = verdicts.first { return true }
                return false
            }
            #expect(try await !ingest(slot: 1), "a result from the assigned slot for the thief's job was accepted")
            #expect(try await ingest(slot: 2))
            let after = try await pool.query("""
                SELECT assigned_host, assigned_slot, inflight_job_id IS NULL, last_outcome FROM account_schedule WHERE account_id = $1
                """, [ids[0]])[0]
            #expect(try after.string(0) == "h1" && after.int(1) == 1 && after.bool(2) && after.string(3) == "timeout")
            #expect(try await pool.query("SELECT outcome FROM sync_runs WHERE job_id = $1", [row.jobID])[0].string(0) == "timeout")
            await pool.close()
        }
    }

    @Test("two idle slots and late jobs: each takes its own, never the same one, paired as WorkStealing.assign pairs them", arguments: [1, 2])
    func twoIdleSlots(depth: Int) async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 3, count: 6)
            for i in 1...(depth == 1 ? 1 : 2) { try await occupy(pool, ids[5 - i + 1]) }
            let lateness = [700.0, 500, 400, 300]
            for (id, seconds) in zip(ids, lateness) { try await due(pool, id, ago: seconds) }
            let rows = try await dispatch(pool, depth: depth)
            #expect(Set(rows.map(\.accountID)).count == rows.count)
            #expect(rows.allSatisfy { $0.stolen })
            let now = Date()
            let expected = WorkStealing.assign(
                slots: [SlotRoom(slot: SlotID(host: "h1", index: 1), room: 0, ownDue: 4),
                        SlotRoom(slot: SlotID(host: "h1", index: 2), room: depth, ownDue: 0),
                        SlotRoom(slot: SlotID(host: "h1", index: 3), room: depth, ownDue: 0)],
                jobs: zip(ids, lateness).map { StealableJob(account: $0, slot: SlotID(host: "h1", index: 1), due: now.addingTimeInterval(-$1)) },
                now: now)
            let got = Dictionary(uniqueKeysWithValues: rows.map { ($0.accountID, $0.slot) })
            #expect(got == Dictionary(uniqueKeysWithValues: expected.map { ($0.account, $0.thief.index) }))
            // By hand: the most late to slot 2, the next to slot 3 (then, at depth 2, slot 2 again, slot 3).
            #expect(got[ids[0]] == 2 && got[ids[1]] == 3)
            #expect(rows.count == 2 * depth)
            await pool.close()
        }
    }

    @Test("a late job locked elsewhere (an ingest ending it) is not stolen and not waited for; the next tick takes it")
    func lockedElsewhere() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 2, count: 4)
            try await occupy(pool, ids[3])
            try await due(pool, ids[0], ago: 900)
            try await due(pool, ids[1], ago: 600)
            let holding = Flag(), release = Flag()
            let holder = Task {
                try await pool.withConnection { connection in
                    try connection.simpleQuery("BEGIN")
                    _ = try connection.query("SELECT 1 FROM account_schedule WHERE account_id = $1 FOR UPDATE", [ids[0]])
                    holding.set()
                    while !release.isSet { Thread.sleep(forTimeInterval: 0.01) }
                    try connection.simpleQuery("COMMIT")
                }
            }
            while !holding.isSet { try await Task.sleep(for: .milliseconds(10)) }
            let rows = try await dispatch(pool, depth: 1, acrossHostsAfter: 300)
            release.set()
            try await holder.value
            #expect(!rows.map(\.accountID).contains(ids[0]), "a row locked elsewhere is skipped, not waited for")
            #expect(try await dispatch(pool, depth: 1, acrossHostsAfter: 300).map(\.accountID).contains(ids[0]),
                    "once free, the most late is taken")
            await pool.close()
        }
    }

    @Test("each tier locks only the rows it pairs, not every late entry its victims offer", arguments: [false, true])
    func locksOnlyWhatItPairs(acrossHosts: Bool) async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            // h1: slots 1 and 2 busy, each with a late job; the spare room is one unit (h1's slot 3,
            // or with the second tier h2's slot when h1 has no third slot).
            let ids = try await fleet(pool, slots: acrossHosts ? 2 : 3, count: 4)
            try await pool.execute("UPDATE account_schedule SET assigned_slot = 2 WHERE account_id = ANY($1)", [[ids[1], ids[3]]])
            try await occupy(pool, ids[2], slot: 1)
            try await occupy(pool, ids[3], slot: 2)
            try await due(pool, ids[0], ago: 900)
            try await due(pool, ids[1], ago: 800)
            let (taken, lockedByUs) = try await pool.transaction { connection in
                let rows = try DispatchQuery.run(
                    connection, queueDepth: 1, deadlineSeconds: 60, stealAfter: WorkStealing.defaultLateness,
                    stealAcrossHostsAfter: acrossHosts ? 300 : nil)
                let locked = try connection.query("""
                    SELECT account_id FROM account_schedule
                    WHERE account_id = ANY($1) AND inflight_job_id IS NULL AND xmax = pg_current_xact_id()::xid
                    """, [[ids[0], ids[1]]])
                return (rows.map(\.accountID), try locked.map { try $0.uuid(0) })
            }
            #expect(taken == [ids[0]], "the most late goes to the one unit of spare room")
            #expect(lockedByUs.isEmpty, "the late entry read but not paired stays unlocked")
            await pool.close()
        }
    }

    @Test("a slot with due work of its own takes its own first, and steals only with room left")
    func ownFirst() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 2, count: 5)
            try await occupy(pool, ids[4])
            for id in ids[0..<3] { try await due(pool, id, ago: 600) }
            try await pool.execute("UPDATE account_schedule SET assigned_slot = 2 WHERE account_id = $1", [ids[3]])
            try await due(pool, ids[3], ago: 1)
            let one = try await dispatch(pool, depth: 1)
            #expect(one.map(\.accountID) == [ids[3]] && one.allSatisfy { !$0.stolen && $0.slot == 2 })
            // Room for one more on each: slot 1 takes one of its own, slot 2 (its own due work
            // dispatched) one more late job of slot 1.
            let more = try await dispatch(pool, depth: 2)
            #expect(more.count == 2)
            #expect(more.filter { $0.stolen }.map(\.slot) == [2] && more.filter { !$0.stolen }.map(\.slot) == [1])
            #expect(Set(more.map(\.accountID)).isSubset(of: Set(ids[0..<3])))
            await pool.close()
        }
    }

    @Test("with stealing off (KLARO_DISPATCH_STEAL_AFTER_SECONDS=off) a slot runs only its own accounts")
    func off() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 2, count: 3)
            try await occupy(pool, ids[2])
            for id in ids[0..<2] { try await due(pool, id, ago: 3_600) }
            #expect(try await dispatch(pool, depth: 1, stealAfter: nil).isEmpty)
            // A longer lateness leaves them too; a shorter one takes the most late.
            #expect(try await dispatch(pool, depth: 1, stealAfter: 7_200).isEmpty)
            #expect(try await dispatch(pool, depth: 1, stealAfter: 60).count == 1)
            await pool.close()
        }
    }

    // MARK: The second tier: across hosts

    @Test("a host with every slot busy and late jobs, another host idle: the idle host takes them past the longer threshold, not before, not with the tier off, not while cordoned")
    func idleHostTakesAnotherHostsLateJobs() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 2, count: 8)
            for (id, slot) in zip(ids[4..<8], [1, 1, 2, 2]) { try await occupy(pool, id, slot: slot) }
            try await due(pool, ids[0], ago: 600)   // late by 10 minutes
            try await due(pool, ids[1], ago: 200)   // late for the first tier, not the second
            try await due(pool, ids[2], ago: 900)   // the most late, but pinned
            try await pool.execute("UPDATE user_mt5_accounts SET pinned_host = 'h1', pinned_slot = 1 WHERE id = $1", [ids[2]])

            // h2's slot has room for 2: nothing with the second tier off, nothing before 700 s.
            #expect(try await dispatch(pool, depth: 2).isEmpty)
            #expect(try await dispatch(pool, depth: 2, acrossHostsAfter: 700).isEmpty)
            #expect(try await dispatch(pool, depth: 2, stealAfter: nil, acrossHostsAfter: 300).isEmpty, "stealing off must turn off both tiers")
            let rows = try await dispatch(pool, depth: 2, acrossHostsAfter: 300)
            #expect(rows.map(\.accountID) == [ids[0]])
            let row = try #require(rows.first)
            #expect(row.host == "h2" && row.slot == 1 && row.stolen && row.acrossHosts)
            let schedule = try await pool.query("""
                SELECT assigned_host, assigned_slot, inflight_host, inflight_slot FROM account_schedule WHERE account_id = $1
                """, [ids[0]])[0]
            #expect(try schedule.string(0) == "h1" && schedule.int(1) == 1, "stealing moved the account")
            #expect(try schedule.string(2) == "h2" && schedule.int(3) == 1)
            #expect(try await pool.query("SELECT host_id FROM sync_runs WHERE job_id = $1", [row.jobID])[0].string(0) == "h2")
            // Taken once: the next tick has nothing more (ids[1] is not late enough).
            #expect(try await dispatch(pool, depth: 2, acrossHostsAfter: 300).isEmpty)
            // A cordoned host takes no other host's job, however late; uncordoned it does.
            try await due(pool, ids[3], ago: 600)
            try await pool.execute("UPDATE worker_hosts SET admin_state = 'cordoned' WHERE host_id = 'h2'")
            #expect(try await dispatch(pool, depth: 2, acrossHostsAfter: 300).isEmpty)
            try await pool.execute("UPDATE worker_hosts SET admin_state = 'active' WHERE host_id = 'h2'")
            #expect(try await dispatch(pool, depth: 2, acrossHostsAfter: 300).map(\.accountID) == [ids[3]])
            await pool.close()
        }
    }

    @Test("the host's own spare room first, then the fleet's, paired as WorkStealing.assign pairs them")
    func ownHostFirst() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let ids = try await fleet(pool, slots: 3, count: 6)
            for (id, slot) in zip(ids[4..<6], [1, 2]) { try await occupy(pool, id, slot: slot) }
            let lateness = [900.0, 600, 400, 200]
            for (id, seconds) in zip(ids, lateness) { try await due(pool, id, ago: seconds) }
            let rows = try await dispatch(pool, depth: 1, acrossHostsAfter: 300)
            let got = Dictionary(uniqueKeysWithValues: rows.map { ($0.accountID, "\($0.host):\($0.slot) \($0.acrossHosts)") })
            // By hand: the most late to h1's idle slot 3, the next to h2; 400 s and 200 s stay (no room left).
            #expect(got == [ids[0]: "h1:3 false", ids[1]: "h2:1 true"])
            let now = Date()
            let expected = WorkStealing.assign(
                slots: [SlotRoom(slot: SlotID(host: "h1", index: 1), room: 0, ownDue: 4),
                        SlotRoom(slot: SlotID(host: "h1", index: 2), room: 0, ownDue: 0),
                        SlotRoom(slot: SlotID(host: "h1", index: 3), room: 1, ownDue: 0),
                        SlotRoom(slot: SlotID(host: "h2", index: 1), room: 1, ownDue: 0)],
                jobs: zip(ids, lateness).map { StealableJob(account: $0, slot: SlotID(host: "h1", index: 1), due: now.addingTimeInterval(-$1)) },
                now: now, acrossHostsAfter: 300, acrossHostsPerSlot: 1)
            #expect(Dictionary(uniqueKeysWithValues: rows.map { ($0.accountID, "\($0.host):\($0.slot)") })
                == Dictionary(uniqueKeysWithValues: expected.map { ($0.account, $0.thief.description) }))
            await pool.close()
        }
    }
}

/// A flag one thread sets and another reads.
private final class Flag: Sendable {
    private let value = Atomic<Bool>(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}
