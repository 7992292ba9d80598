import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres

/// Database fixtures for pipeline tests.
public enum TestFleet {
    /// Approves every registered host's current key, as an operator would.
    public static func approveHosts(_ pool: PostgresPool) async throws {
        try await pool.execute("""
            UPDATE worker_hosts SET approved_key = public_key, admin_state = 'active', approved_at = now(), approved_by = 'test'
            WHERE approved_key IS DISTINCT FROM public_key OR admin_state = 'pending'
            """)
    }

    /// Waits until `count` hosts are registered, approves them, and waits until their slots
    /// are alive.
    public static func admit(_ pool: PostgresPool, hosts count: Int, slots: Int) async throws {
        let registered = await TestHTTP.eventually(timeout: .seconds(20)) {
            try await pool.query("SELECT count(*) FROM worker_hosts")[0].int(0) >= count
        }
        guard registered else { throw TestServerError.timeout("hosts did not register") }
        try await approveHosts(pool)
        let alive = await TestHTTP.eventually(timeout: .seconds(20)) {
            try await pool.query("SELECT count(*) FROM terminal_slots WHERE state <> 'dead'")[0].int(0) >= slots
        }
        guard alive else { throw TestServerError.timeout("slots did not come alive") }
    }

    /// Creates a user and `count` accounts with the given passwords, encrypted with `vault`;
    /// returns the account ids in order.
    public static func createAccounts(
        _ pool: PostgresPool, vault: CredentialVault, count: Int, server: String = "Demo-Server",
        password: @Sendable (Int) -> String = { _ in "investor-pass" }
    ) async throws -> [UUID] {
        let user = UUID()
        try await pool.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "trader-\(user)@example.com"])
        var ids: [UUID] = [], logins: [Int64] = [], passwords: [String] = [], names: [String] = []
        for index in 0..<count {
            let id = UUID()
            ids.append(id)
            logins.append(Int64(5_000_000 + index))
            passwords.append(try vault.seal(password(index), accountID: id))
            names.append("Account \(index)")
        }
        try await pool.execute("""
            INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name)
            SELECT u.id, $1, u.login, u.password, $2, u.name
            FROM unnest($3::uuid[], $4::bigint[], $5::text[], $6::text[]) AS u(id, login, password, name)
            """, [user, server, ids, logins, passwords, names])
        return ids
    }

    /// A healthy MT5 answer for an account: a snapshot, an open position, and a closed trade
    /// as two deals (in and out) plus a deposit.
    public static func healthyAnswer(login: Int64, server: String, seed: Int64 = 1) -> ScriptedOutcome {
        let base: Int64 = 1_764_000_000 + seed * 10
        let account = AccountInfo(
            login: login, tradeMode: 0, leverage: 100, balance: 10_000 + Double(seed), credit: 0, profit: 12.5,
            equity: 10_012.5 + Double(seed), margin: 100, marginFree: 9_912.5, marginLevel: 10_012.5, name: "Trader",
            server: server, currency: "USD", company: "Broker Ltd"
        )
        let position = TradePosition(
            ticket: 900 + seed, time: base, timeMsc: base * 1000, timeUpdate: base, timeUpdateMsc: base * 1000, type: .buy,
            magic: 7, identifier: 900 + seed, reason: 0, volume: 0.1, priceOpen: 1.1, sl: 0, tp: 0, priceCurrent: 1.2,
            swap: 0, profit: 12.5, symbol: "EURUSD", comment: "", externalID: ""
        )
        let deals = [
            TradeDeal(ticket: 1, time: base - 1000, timeMsc: (base - 1000) * 1000, type: .balance, entry: .in, positionID: 0,
                      volume: 0, price: 0, profit: 10_000, symbol: ""),
            TradeDeal(ticket: 2, order: 2, time: base - 500, timeMsc: (base - 500) * 1000, type: .buy, entry: .in, magic: 7,
                      positionID: 500, volume: 1, price: 1.10, commission: -3.5, symbol: "EURUSD"),
            TradeDeal(ticket: 3, order: 3, time: base - 100, timeMsc: (base - 100) * 1000, type: .sell, entry: .out, magic: 7,
                      positionID: 500, volume: 1, price: 1.11, commission: -3.5, swap: -0.4, profit: 100, symbol: "EURUSD"),
        ]
        return .ok(account: account, positions: [position], deals: deals)
    }
}
