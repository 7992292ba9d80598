import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

/// The per-slot load the newcomer path places against (`PlacementWorkQuery.slotLoads`), summed
/// in SQL per slot, class and — with plan targets — the owner's plan. Against PostgreSQL.
@Suite("Placement: the load already on each slot")
struct SlotLoadQueryTests {
    /// A user (a pro subscriber if `pro`) owning accounts on `slot` of the given class and
    /// average sync times (nil: never measured).
    func insertAccounts(
        _ pool: PostgresPool, pro: Bool, syncClass: SyncClass, syncMs: [Int?], on slot: SlotID
    ) async throws {
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "s-\(user)@example.com"])
        if pro {
            try await pool.execute("""
                INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status)
                VALUES ($1, $2, $3, 'active')
                """, [user, "sub_\(user)", "cus_\(user)"])
        }
        let ids = syncMs.map { _ in UUID() }
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server)
            SELECT u.id, $1, (random() * 1e9)::bigint, 'v1:test:sealed', 'Demo-Server' FROM unnest($2::uuid[]) AS u(id)
            """, [user, ids])
        try await pool.execute("""
            UPDATE account_schedule s SET avg_sync_ms = u.ms, sync_class = $3, assigned_host = $4, assigned_slot = $5
            FROM unnest($1::uuid[], $2::int[]) AS u(id, ms) WHERE s.account_id = u.id
            """, [ids, syncMs, syncClass.rawValue, slot.host, slot.index])
    }

    @Test("with plan targets, each slot's load uses its owners' plan; without, the default targets")
    func loadsByPlan() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            try await insertHost(pool, "h1", slots: 3)
            let proSlot = SlotID(host: "h1", index: 1), freeSlot = SlotID(host: "h1", index: 2), mixed = SlotID(host: "h1", index: 3)
            try await insertAccounts(pool, pro: true, syncClass: .quiet, syncMs: [3_000, 6_000], on: proSlot)
            try await insertAccounts(pool, pro: false, syncClass: .quiet, syncMs: [3_000, 6_000], on: freeSlot)
            // Never measured: it weighs the median of the measured (3, 3, 6, 6, 7.2 s: 6 s).
            try await insertAccounts(pool, pro: true, syncClass: .moving, syncMs: [nil], on: mixed)
            try await insertAccounts(pool, pro: false, syncClass: .dormant, syncMs: [7_200], on: mixed)
            // The leader stretched quiet: both plans' quiet intervals follow.
            try await pool.execute("UPDATE sync_class_stretch SET factor = 1.5 WHERE sync_class = 'quiet'")

            let targets = SyncTargets(moving: 300, quiet: 900, dormant: 3600)
            let byPlan = try SyncPolicy(targets: targets, planTargets: ["pro": SyncTargets(moving: 60, quiet: 300, dormant: 3600)])
            let loads = try await pool.withConnection { connection in
                try PlacementWorkQuery.slotLoads(connection, scale: try PlacementWorkQuery.scale(connection, policy: byPlan))
            }
            #expect(loads.count == 3 && loads.values.allSatisfy { $0.accounts == 2 })
            // Pro's quiet target is 300 s, stretched to 450; the default's 900 s to 1350.
            #expect(abs(loads[proSlot]!.load - 9.0 / 450) < 1e-12)
            #expect(abs(loads[freeSlot]!.load - 9.0 / 1350) < 1e-12)
            #expect(abs(loads[mixed]!.load - (6.0 / 60 + 7.2 / 3600)) < 1e-12)

            let plain = try SyncPolicy(targets: targets)
            let defaults = try await pool.withConnection { connection in
                try PlacementWorkQuery.slotLoads(connection, scale: try PlacementWorkQuery.scale(connection, policy: plain))
            }
            #expect(abs(defaults[proSlot]!.load - defaults[freeSlot]!.load) < 1e-12)
            #expect(abs(defaults[mixed]!.load - (6.0 / 300 + 7.2 / 3600)) < 1e-12)
            await pool.close()
        }
    }
}
