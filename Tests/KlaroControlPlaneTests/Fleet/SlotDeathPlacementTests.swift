import Foundation
import KlaroCore
import KlaroCrypto
import KlaroTelemetry
import KlaroPostgres
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

@Suite("Placement when one slot dies")
struct SlotDeathPlacementTests {
    @Test("only a single death of a usable slot is the incremental case")
    func singleDeath() {
        let a = SlotID(host: "h1", index: 1), b = SlotID(host: "h1", index: 2), c = SlotID(host: "h2", index: 1)
        let before: [SlotID: SlotState] = [a: .active, b: .cordoned, c: .active]
        #expect(AccountPlacer.singleDeath(from: before, to: [a: .dead, b: .cordoned, c: .active]) == a)
        #expect(AccountPlacer.singleDeath(from: before, to: [a: .active, b: .dead, c: .active]) == b)
        #expect(AccountPlacer.singleDeath(from: before, to: [a: .dead, b: .cordoned, c: .dead]) == nil, "two deaths")
        #expect(AccountPlacer.singleDeath(from: before, to: [a: .draining, b: .cordoned, c: .active]) == nil, "a drain")
        #expect(AccountPlacer.singleDeath(from: before, to: [a: .dead, b: .cordoned]) == nil, "a slot left")
        #expect(AccountPlacer.singleDeath(from: before, to: before) == nil)
        #expect(AccountPlacer.singleDeath(from: [a: .dead, b: .active, c: .active], to: [a: .active, b: .active, c: .active]) == nil, "a return")
    }

    @Test("a dead slot's accounts move through the incremental path, and no other account moves")
    func incrementalRun() async throws {
        try await withTestDatabase { database in
            // A placer of its own, with no klarod running: nothing else places meanwhile.
            let pool = database.pool()
            try await insertHost(pool, "h1")
            try await insertHost(pool, "h2")
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "p")))
            _ = try await TestFleet.createAccounts(pool, vault: vault, count: 60)
            let placer = AccountPlacer(
                pool: pool, settings: adminSettings(), metrics: MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics,
                logger: TestServices.logger()
            )
            let first = try #require(try await placer.placeIfNeeded())
            #expect(!first.incremental)
            #expect(first.moves.count == 60)
            let before = try await assignments(pool)

            try await pool.execute("UPDATE terminal_slots SET state = 'dead' WHERE host_id = 'h1' AND slot = 1")
            let run = try #require(try await placer.placeIfNeeded())
            #expect(run.incremental)
            let after = try await assignments(pool)
            let orphans = before.filter { $0.value == "h1:1" }.map(\.key)
            #expect(!orphans.isEmpty)
            #expect(Set(run.moves.map(\.account)) == Set(orphans))
            #expect(run.moves.allSatisfy { $0.reason == .slotGone && $0.to != SlotID(host: "h1", index: 1) })
            for (account, slot) in before where slot != "h1:1" {
                #expect(after[account] == slot, "accounts elsewhere stay")
            }
            #expect(try await placer.placeIfNeeded() == nil, "nothing changed since")
            await pool.close()
        }
    }

    func assignments(_ pool: PostgresPool) async throws -> [UUID: String] {
        var map: [UUID: String] = [:]
        for row in try await pool.query("SELECT account_id, assigned_host || ':' || assigned_slot FROM account_schedule") {
            map[try row.uuid(0)] = try row.string(1)
        }
        return map
    }
}
