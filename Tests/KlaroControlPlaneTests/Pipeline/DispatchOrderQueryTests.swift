import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing

/// The dispatch statement takes a slot's due accounts in `RefillOrder.dispatch` order (issue 13):
/// refill windows oldest first, within one the longest average sync first.
@Suite("Sync pipeline: dispatch order against PostgreSQL")
struct DispatchOrderQueryTests {
    @Test("one slot, one place a tick: an earlier window first, then longest first within a window; never one not yet due")
    func longestFirstWithinTheWindow() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "order")))
            let key = try X25519KeyPair.generate().publicKeyBase64
            try await pool.execute(
                "INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', $1, $1)", [key])
            try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 6)
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1")
            // The last whole 30 s window before now, so that every time below is in the past.
            let now = try await pool.query("SELECT extract(epoch FROM now())::float8")[0].double(0)
            let window = ((now / 30).rounded(.down) - 1) * 30
            let plan: [(due: Double, averageMs: Int?)] = [
                (window + 1, 2_000),      // 0: oldest of the window, short
                (window + 20, 9_000),     // 1: longest of the window
                (window + 10, nil),       // 2: unmeasured: counts 5 s
                (window - 60, 100),       // 3: an earlier window: first however short
                (now + 60, 99_000),       // 4: not due yet
                (window + 25, 5_000),     // 5: ties with 2 at 5 s: the older due first
            ]
            for (id, entry) in zip(ids, plan) {
                try await pool.execute(
                    "UPDATE account_schedule SET next_sync_at = to_timestamp($2::float8), avg_sync_ms = $3 WHERE account_id = $1",
                    [id, entry.due, entry.averageMs])
            }
            var order: [UUID] = []
            while true {
                let rows = try await pool.transaction { connection in
                    try DispatchQuery.run(connection, queueDepth: 1, deadlineSeconds: 60)
                }
                guard let row = rows.first else { break }
                #expect(rows.count == 1)
                order.append(row.accountID)
                // The job ends; the account is due again tomorrow.
                try await pool.execute("""
                    UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                           inflight_host = NULL, inflight_slot = NULL, next_sync_at = now() + interval '1 day' WHERE account_id = $1
                    """, [row.accountID])
            }
            #expect(order == [ids[3], ids[1], ids[2], ids[5], ids[0]])
            // The same order as the rule in KlaroCore.
            let pending = zip(ids, plan).filter { $0.1.due <= now }.map { id, entry in
                PendingSync(account: id, due: Date(timeIntervalSince1970: entry.due),
                            expectedSeconds: Double(entry.averageMs ?? 5_000) / 1000)
            }
            #expect(RefillOrder.dispatch(pending, window: RefillOrder.defaultWindow).map(\.account) == order)
            await pool.close()
        }
    }

    @Test("a run is checked against its schedule row and goes with its account (migration 0013)")
    func runsGoWithTheirAccount() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "runs")))
            let key = try X25519KeyPair.generate().publicKeyBase64
            try await pool.execute(
                "INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES ('h1', 'active', $1, $1)", [key])
            try await pool.execute("INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES ('h1', 1, 'idle', now())")
            let ids = try await TestFleet.createAccounts(pool, vault: vault, count: 2)
            try await pool.execute("UPDATE account_schedule SET assigned_host = 'h1', assigned_slot = 1")
            let rows = try await pool.transaction { try DispatchQuery.run($0, queueDepth: 2, deadlineSeconds: 60) }
            #expect(rows.count == 2)
            #expect(try await pool.query("SELECT count(*) FROM sync_runs")[0].int(0) == 2)
            try await pool.execute("DELETE FROM user_mt5_accounts WHERE id = $1", [ids[0]])
            #expect(try await pool.query("SELECT account_id FROM sync_runs").map { try $0.uuid(0) } == [ids[1]])
            // A run for no account is refused.
            await #expect(throws: (any Error).self) {
                try await pool.execute("""
                    INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, enqueued_at, deadline)
                    VALUES (gen_random_uuid(), gen_random_uuid(), 'h1', 1, 1, 1, now(), now())
                    """)
            }
            await pool.close()
        }
    }
}
