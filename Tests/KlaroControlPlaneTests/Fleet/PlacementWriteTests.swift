import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Synchronization
import Testing
@testable import KlaroControlPlane

/// Placement writes only the assignments that change (issue 16: a write storm when no slot
/// was usable), on the narrow schedule rows only (0017). Row versions (`xmin`) show which rows
/// a run rewrote.
@Suite("Placement writes only what changes")
struct PlacementWriteTests {
    @Test("with no eligible slot, repeated runs rewrite no account row and log nothing")
    func noEligibleSlot() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let logs = RecordingLogHandler.Store()
            let placer = makePlacer(pool, logs: logs)
            try await insertHost(pool, "unapproved", approved: false)
            _ = try await TestFleet.createAccounts(pool, vault: try vault(), count: 40)
            let before = try await rowVersions(pool)

            for _ in 0..<3 {
                _ = try await placer.placeIfNeeded()
                let run = try await placer.placeNow()
                #expect(run.result.unplaced.count == 40)
                #expect(run.unassigned == 0)
            }
            #expect(try await placer.placeIfNeeded() == nil, "no slot is eligible and nothing changed")
            #expect(try await rowVersions(pool) == before, "no account row was rewritten")
            #expect(logs.records.withLock { $0.filter { $0.message == "placement applied" } }.isEmpty)
            await pool.close()
        }
    }

    @Test("with slots, only the accounts that move are written; a whole-fleet outage unplaces once")
    func onlyChangedRows() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let logs = RecordingLogHandler.Store()
            let placer = makePlacer(pool, logs: logs)
            try await insertHost(pool, "h1")
            try await insertHost(pool, "h2")
            _ = try await TestFleet.createAccounts(pool, vault: try vault(), count: 40)
            let wide = try await rowVersions(pool, of: "user_mt5_accounts")
            #expect(try await placer.placeNow().moves.count == 40)
            let placed = try await rowVersions(pool)
            #expect(try await rowVersions(pool, of: "user_mt5_accounts") == wide, "placement never rewrites the wide account row")

            _ = try await placer.placeNow()
            #expect(try await rowVersions(pool) == placed, "a run that moves nothing writes nothing")

            // h2 goes away: only its accounts are written.
            let onH2 = Set(try await pool.query("SELECT account_id FROM account_schedule WHERE assigned_host = 'h2'").map { try $0.uuid(0) })
            try await pool.execute("UPDATE terminal_slots SET state = 'dead' WHERE host_id = 'h2'")
            let run = try await placer.placeNow()
            #expect(Set(run.moves.map(\.account)) == onH2)
            let afterDeath = try await rowVersions(pool)
            #expect(Set(afterDeath.filter { placed[$0.key] != $0.value }.keys) == onH2)

            // The whole fleet goes: every account is unplaced once, then never rewritten.
            try await pool.execute("UPDATE terminal_slots SET state = 'dead'")
            #expect(try await placer.placeNow().unassigned == 40)
            let unplaced = try await rowVersions(pool)
            logs.records.withLock { $0.removeAll() }
            for _ in 0..<3 {
                _ = try await placer.placeIfNeeded()
                #expect(try await placer.placeNow().unassigned == 0)
            }
            #expect(try await rowVersions(pool) == unplaced)
            #expect(logs.records.withLock { $0.filter { $0.message == "placement applied" } }.isEmpty)
            await pool.close()
        }
    }

    @Test("a placement larger than one statement writes every assignment, on the schedule rows only")
    func placementInChunks() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let placer = makePlacer(pool, logs: RecordingLogHandler.Store())
            try await insertHost(pool, "h1")
            try await insertHost(pool, "h2")
            let count = 2 * AccountPlacer.writeChunk + 7
            _ = try await TestFleet.createAccounts(pool, vault: try vault(), count: count)
            let wide = try await rowVersions(pool, of: "user_mt5_accounts")
            let run = try await placer.placeNow()
            #expect(run.moves.count == count)
            let perSlot = Set(try await pool.query("""
                SELECT assigned_host || ':' || assigned_slot, count(*) FROM account_schedule GROUP BY 1
                """).map { "\($0.stringOrNil(0) ?? "none") \(try $0.int(1))" })
            #expect(perSlot == Set(run.result.loads.filter { $0.value > 0 }.map { "\($0.key) \($0.value)" }))
            #expect(try await rowVersions(pool, of: "user_mt5_accounts") == wide)
            await pool.close()
        }
    }

    @Test("a whole-fleet outage writes no account: automatic placement keeps every slot until hosts return")
    func wholeFleetOutageKeepsAssignments() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let placer = makePlacer(pool, logs: RecordingLogHandler.Store())
            try await insertHost(pool, "h1")
            try await insertHost(pool, "h2")
            _ = try await TestFleet.createAccounts(pool, vault: try vault(), count: 40)
            #expect(try await placer.placeIfNeeded()?.moves.count == 40)
            let placed = try await rowVersions(pool)

            try await pool.execute("UPDATE terminal_slots SET state = 'dead'")
            for _ in 0..<3 { #expect(try await placer.placeIfNeeded() == nil) }
            #expect(try await rowVersions(pool) == placed, "no account row written while no slot takes accounts")
            #expect(try await pool.query("SELECT count(*) FROM account_schedule WHERE assigned_host IS NULL")[0].int(0) == 0)

            // The hosts return: the accounts are where they were, nothing moves.
            try await pool.execute("UPDATE terminal_slots SET state = 'idle'")
            #expect(try await placer.placeIfNeeded()?.moves.count == 0)
            #expect(try await rowVersions(pool) == placed)
            await pool.close()
        }
    }

    func makePlacer(_ pool: PostgresPool, logs: RecordingLogHandler.Store) -> AccountPlacer {
        AccountPlacer(
            pool: pool, settings: adminSettings(), metrics: MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics,
            logger: RecordingLogHandler.logger("placement", store: logs)
        )
    }

    func vault() throws -> CredentialVault {
        CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "p")))
    }

    /// Each account's row version in `table` (the schedule rows, where its slot lives, by
    /// default): it changes whenever the row is updated.
    func rowVersions(_ pool: PostgresPool, of table: String = "account_schedule") async throws -> [UUID: String] {
        var map: [UUID: String] = [:]
        let key = table == "account_schedule" ? "account_id" : "id"
        for row in try await pool.query("SELECT \(key), xmin::text FROM \(table)") {
            map[try row.uuid(0)] = try row.string(1)
        }
        return map
    }
}
