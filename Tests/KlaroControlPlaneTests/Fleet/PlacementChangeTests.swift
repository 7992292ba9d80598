import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Testing
@testable import KlaroControlPlane

/// Automatic placement re-places only on change, and reads no account rows when nothing
/// changed (issue 16).
@Suite("Placement: only on change")
struct PlacementChangeTests {
    /// Inserts `count` active accounts straight into the table (no credentials needed here).
    @discardableResult
    func insertAccounts(_ pool: PostgresPool, count: Int) async throws -> [UUID] {
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "p-\(user)@example.com"])
        let ids = (0..<count).map { _ in UUID() }
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server)
            SELECT u.id, $1, 1000 + u.n, 'v1:test:sealed', 'Demo-Server'
            FROM unnest($2::uuid[]) WITH ORDINALITY AS u(id, n)
            """, [user, ids])
        return ids
    }

    /// Sequential scans and rows read by them on the accounts table, as the statistics say
    /// once this (single) connection's counters are flushed.
    func sequentialReads(_ pool: PostgresPool) async throws -> [Int] {
        _ = try await pool.query("SELECT pg_stat_force_next_flush()")
        let row = try await pool.query(
            "SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables WHERE relname = 'user_mt5_accounts'")[0]
        return [try row.int(0), try row.int(1)]
    }

    func withPlacer(_ body: (PostgresPool, AccountPlacer) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 1)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics
            let placer = AccountPlacer(pool: pool, settings: adminSettings(), metrics: metrics, logger: Logger(label: "test"))
            try await body(pool, placer)
            await pool.close()
        }
    }

    func slotOf(_ pool: PostgresPool, _ id: UUID) async throws -> String? {
        try await pool.query("SELECT assigned_host FROM account_schedule WHERE account_id = $1", [id])[0].stringOrNil(0)
    }

    @Test("with nothing changed, placement rounds read no account rows beyond an index probe")
    func quietRoundsReadNothing() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "pc1", slots: 4)
            try await insertAccounts(pool, count: 3_000)
            try await placer.placeIfNeeded()
            try await pool.execute("ANALYZE user_mt5_accounts")
            let before = try await sequentialReads(pool)
            for _ in 0..<5 { #expect(try await placer.placeIfNeeded() == nil) }
            #expect(try await sequentialReads(pool) == before)
        }
    }

    @Test("a new account gets a slot within one round, without a full placement")
    func newAccountPlaced() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "pc2", slots: 4)
            try await insertAccounts(pool, count: 200)
            try await placer.placeIfNeeded()
            let new = try await insertAccounts(pool, count: 3)
            let run = try #require(try await placer.placeIfNeeded())
            #expect(run.newcomers)
            #expect(run.moves.count == 3 && run.moves.allSatisfy { $0.reason == .new })
            for id in new { #expect(try await slotOf(pool, id) == "pc2") }
            // The newcomers respect the bounded load: no slot above its capacity (the spread
            // below it depends on the random ids, so it is not asserted).
            let busiest = try await pool.query("""
                SELECT max(n) FROM (SELECT count(*) AS n FROM account_schedule GROUP BY assigned_slot) c
                """)[0].int(0)
            #expect(busiest <= Placement.capacity(accounts: 203, weight: 1, totalWeight: 4, epsilon: 0.25))
        }
    }

    @Test("an account that stops being synced releases its slot; synced again, it is placed again")
    func removedAccountReleased() async throws {
        try await withPlacer { pool, placer in
            try await insertHost(pool, "pc3", slots: 2)
            let ids = try await insertAccounts(pool, count: 10)
            try await placer.placeIfNeeded()
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'paused' WHERE id = $1", [ids[0]])
            try await pool.execute("UPDATE user_mt5_accounts SET is_active = false WHERE id = $1", [ids[1]])
            #expect(try await slotOf(pool, ids[0]) == nil)
            #expect(try await slotOf(pool, ids[1]) == nil)
            let placed = try await pool.query(
                "SELECT count(*) FROM account_schedule WHERE assigned_host IS NOT NULL")[0].int(0)
            #expect(placed == 8)
            #expect(try await placer.placeIfNeeded() == nil)
            try await pool.execute("UPDATE user_mt5_accounts SET status = 'active' WHERE id = $1", [ids[0]])
            #expect(try await placer.placeIfNeeded()?.newcomers == true)
            #expect(try await slotOf(pool, ids[0]) == "pc3")
        }
    }
}
