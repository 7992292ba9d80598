import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Testing
@testable import KlaroControlPlane

/// Load relief in klarod (issue 13): when accounts change class and a slot's load drifts past
/// its bound, the automatic runs move a few accounts off it, within the hourly budget
/// (`KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR`). Against the real PostgreSQL.
@Suite("Placement: load relief")
struct LoadReliefDatabaseTests {
    static let hot = SlotID(host: "h1", index: 1)

    /// 40 quiet accounts of 3 s each (ten per slot of h1), placed where they are.
    func insertFleet(_ pool: PostgresPool) async throws -> [UUID] {
        try await insertHost(pool, "h1", slots: 4)
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "r-\(user)@example.com"])
        let ids = (0..<40).map { _ in UUID() }
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server)
            SELECT u.id, $1, (random() * 1e9)::bigint, 'v1:test:sealed', 'Demo-Server' FROM unnest($2::uuid[]) AS u(id)
            """, [user, ids])
        try await pool.execute("""
            UPDATE account_schedule s SET avg_sync_ms = 3000, sync_class = 'quiet', assigned_host = 'h1',
                   assigned_slot = 1 + (u.n - 1) % 4
            FROM unnest($1::uuid[]) WITH ORDINALITY AS u(id, n) WHERE s.account_id = u.id
            """, [ids])
        return ids
    }

    /// The hot slot's accounts start trading, with longer syncs: moving (every 300 s instead of
    /// 900) and 12 s each, 12 × the load of a quiet 3 s account. Loads (s ÷ s): h1:1 10 × 0.04 =
    /// 0.4, the others 10 × 3/900 = 0.033; 40 accounts of 0.5 in all, so relief's bound (ε 0.05)
    /// is ceil(1.05 × 40/4) = 11 × 0.0125 = 0.1375: the other slots have room for two of the hot
    /// slot's accounts each, so six can move (h1:1 then 0.16, still past its bound).
    func driftHotSlot(_ pool: PostgresPool) async throws {
        try await pool.execute("""
            UPDATE account_schedule SET sync_class = 'moving', avg_sync_ms = 12000 WHERE assigned_host = $1 AND assigned_slot = $2
            """, [Self.hot.host, Self.hot.index])
    }

    func withPlacer(movesPerHour: Int, _ body: (PostgresPool, AccountPlacer, MetricsBootstrap) async throws -> Void) async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 2)
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t"))
            var settings = adminSettings()
            settings.placementLoadMovesPerHour = movesPerHour
            let placer = AccountPlacer(pool: pool, settings: settings, metrics: metrics.metrics, logger: Logger(label: "test"))
            try await body(pool, placer, metrics)
            await pool.close()
        }
    }

    /// Per slot: its load as placement weighs it (3 s ÷ the class's interval).
    func loads(_ pool: PostgresPool) async throws -> [SlotID: Double] {
        try await pool.withConnection { connection in
            try PlacementWorkQuery.slotLoads(connection, scale: try PlacementWorkQuery.scale(connection, policy: adminSettings().policy))
        }.mapValues(\.load)
    }

    @Test("a slot past its bound gives at most the budget to slots with room; a second look in the hour spends only what is left")
    func budgetPerHour() async throws {
        try await withPlacer(movesPerHour: 3) { pool, placer, metrics in
            _ = try await insertFleet(pool)
            #expect(try await placer.placeIfNeeded()?.moves.isEmpty == true)
            // Balanced: a look finds nothing past the bound. (The first look comes a period
            // after the placer started.)
            let start = ContinuousClock.now + .seconds(Placement.loadReliefPeriod)
            #expect(try await placer.relieveIfDue(now: start) == nil)

            try await driftHotSlot(pool)
            // Within the period of the last look, no look at all.
            #expect(try await placer.relieveIfDue(now: start + .seconds(10)) == nil)
            let before = try await loads(pool)
            #expect(abs(before[Self.hot]! - 0.4) < 1e-9)
            let first = try #require(try await placer.relieveIfDue(now: start + .seconds(Placement.loadReliefPeriod)))
            #expect(first.relief && first.moves.count == 3)
            #expect(first.moves.allSatisfy { $0.from == Self.hot && $0.to != Self.hot && $0.reason == .load })
            let after = try await loads(pool)
            #expect(after[Self.hot]! < before[Self.hot]!)
            for (slot, bound) in first.result.workBounds where slot != Self.hot {
                #expect(after[slot]! <= bound * (1 + 1e-9), "\(slot) pushed past its bound")
            }
            #expect(String(decoding: metrics.scrape(), as: UTF8.self).contains(#"klaro_placement_moves_total{reason="load"} 3"#))

            // The hour's budget is spent: later looks in the same hour move nobody.
            #expect(try await placer.relieveIfDue(now: start + .seconds(2 * Placement.loadReliefPeriod)) == nil)
            // An hour after the first moves the budget is back: three more, all that fit (h1:1 0.16).
            let later = try #require(try await placer.relieveIfDue(now: start + .seconds(Placement.loadReliefPeriod + 3600)))
            #expect(later.moves.count == 3 && later.moves.allSatisfy { $0.from == Self.hot })
            #expect(try await abs(loads(pool)[Self.hot]! - 0.16) < 1e-9)
            #expect(try await placer.relieveIfDue(now: start + .seconds(2 * Placement.loadReliefPeriod + 3600)) == nil)
        }
    }

    @Test("a look in the same hour after a partial spend moves at most what is left")
    func remainingBudget() async throws {
        try await withPlacer(movesPerHour: 5) { pool, placer, _ in
            let ids = try await insertFleet(pool)
            _ = try await placer.placeIfNeeded()
            try await driftHotSlot(pool)
            // All but two of the hot slot's accounts pinned there: the first look moves those two.
            let onHot = try await pool.query("""
                SELECT account_id FROM account_schedule WHERE assigned_host = 'h1' AND assigned_slot = 1 ORDER BY account_id
                """).map { try $0.uuid(0) }
            #expect(onHot.count == 10 && ids.count == 40)
            try await pool.execute("UPDATE user_mt5_accounts SET pinned_host = 'h1', pinned_slot = 1 WHERE id = ANY($1)",
                                   [Array(onHot.dropFirst(2))])
            let start = ContinuousClock.now + .seconds(Placement.loadReliefPeriod)
            let first = try #require(try await placer.relieveIfDue(now: start))
            #expect(first.moves.count == 2 && Set(first.moves.map(\.account)) == Set(onHot.prefix(2)))

            // Unpinned, the slot is still past its bound (0.32) and four more fit: the next look
            // in the hour makes the 3 the budget has left.
            try await pool.execute("UPDATE user_mt5_accounts SET pinned_host = NULL, pinned_slot = NULL WHERE id = ANY($1)", [onHot])
            let second = try #require(try await placer.relieveIfDue(now: start + .seconds(Placement.loadReliefPeriod)))
            #expect(second.moves.count == 3 && second.moves.allSatisfy { $0.from == Self.hot })
            #expect(try await placer.relieveIfDue(now: start + .seconds(2 * Placement.loadReliefPeriod)) == nil)
        }
    }

    @Test("a budget of 0 turns relief off; nothing past the bound moves nobody")
    func offAndWithinBound() async throws {
        try await withPlacer(movesPerHour: 0) { pool, placer, _ in
            _ = try await insertFleet(pool)
            _ = try await placer.placeIfNeeded()
            try await driftHotSlot(pool)
            #expect(try await placer.relieveIfDue(now: .now + .seconds(Placement.loadReliefPeriod)) == nil)
            #expect(try await pool.query("SELECT count(*) FROM account_schedule WHERE assigned_slot = 1")[0].int(0) == 10)
        }
        try await withPlacer(movesPerHour: 100) { pool, placer, _ in
            _ = try await insertFleet(pool)
            _ = try await placer.placeIfNeeded()
            // A small drift: one of h1:1's accounts takes 6 s instead of 3: h1:1 0.0367 against a
            // bound of 11 × 0.1367/40 = 0.0376.
            try await pool.execute("""
                UPDATE account_schedule SET avg_sync_ms = 6000
                WHERE account_id = (SELECT min(account_id::text)::uuid FROM account_schedule WHERE assigned_slot = 1)
                """)
            #expect(try await placer.relieveIfDue(now: .now + .seconds(Placement.loadReliefPeriod)) == nil)
        }
    }
}
