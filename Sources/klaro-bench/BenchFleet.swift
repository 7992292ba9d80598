import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// Synthetic accounts and an approved fleet, written with set-based SQL.
enum BenchFleet {
    /// `hosts` hosts of `slotsPerHost` live slots each, approved; returns their key pairs.
    static func createHosts(_ pool: PostgresPool, hosts: Int, slotsPerHost: Int) async throws -> [String: X25519KeyPair] {
        var pairs: [String: X25519KeyPair] = [:]
        var ids: [String] = [], keys: [String] = []
        for index in 0..<hosts {
            let id = String(format: "bench-%04d", index)
            let pair = try X25519KeyPair.generate()
            pairs[id] = pair
            ids.append(id)
            keys.append(pair.publicKeyBase64)
        }
        try await pool.execute("""
            INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key, declared_slots, last_seen_at)
            SELECT u.id, 'active', u.key, u.key, $3, now() FROM unnest($1::text[], $2::text[]) AS u(id, key)
            """, [ids, keys, slotsPerHost])
        try await pool.execute("""
            INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at)
            SELECT h, s, 'idle', now() FROM unnest($1::text[]) AS h, generate_series(1, $2) AS s
            """, [ids, slotsPerHost])
        return pairs
    }

    /// `count` accounts of one user, spread round-robin over the slots (unplaced with no
    /// hosts), all due now and synced before (as a running fleet is: each dispatch then writes
    /// the index entries it would).
    static func createAccounts(_ pool: PostgresPool, vault: CredentialVault, count: Int, hosts: [String], slotsPerHost: Int) async throws -> [UUID] {
        let user = UUID()
        try await pool.execute("INSERT INTO users (id) VALUES ($1)", [user])
        var all: [UUID] = []
        for start in stride(from: 0, to: count, by: 10_000) {
            let size = min(10_000, count - start)
            var ids: [UUID] = [], passwords: [String] = [], logins: [Int64] = [], assignedHosts: [String?] = [], assignedSlots: [Int?] = []
            for offset in 0..<size {
                let index = start + offset
                let id = UUID()
                ids.append(id)
                passwords.append(try vault.seal("investor-\(index)", accountID: id))
                logins.append(Int64(1_000_000 + index))
                if hosts.isEmpty {
                    assignedHosts.append(nil)
                    assignedSlots.append(nil)
                } else {
                    let slot = index % (hosts.count * slotsPerHost)
                    assignedHosts.append(hosts[slot / slotsPerHost])
                    assignedSlots.append(slot % slotsPerHost + 1)
                }
            }
            try await pool.execute("""
                INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, last_success_at)
                SELECT u.id, $1, u.login, u.password, 'Bench-Server', now() - interval '15 minutes'
                FROM unnest($2::uuid[], $3::bigint[], $4::text[]) AS u(id, login, password)
                """, [user, ids, logins, passwords])
            if !hosts.isEmpty {
                // The slot lives on the schedule row (migration 0017).
                try await pool.execute("""
                    UPDATE account_schedule s SET assigned_host = u.host, assigned_slot = u.slot
                    FROM unnest($1::uuid[], $2::text[], $3::int[]) AS u(id, host, slot) WHERE s.account_id = u.id
                    """, [ids, assignedHosts, assignedSlots])
            }
            all += ids
        }
        try await pool.execute("UPDATE account_schedule SET next_sync_at = now() - interval '1 second'")
        try await pool.execute("VACUUM ANALYZE account_schedule")
        try await pool.execute("ANALYZE user_mt5_accounts")
        return all
    }
}
