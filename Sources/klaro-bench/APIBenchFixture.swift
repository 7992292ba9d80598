import Foundation
import KlaroPostgres

/// The benchmark's trader: a pro user with N accounts, each with a year of deals and trades,
/// a snapshot every 15 minutes and a few open positions. Generated in SQL on the server.
struct APIBenchFixture: Sendable {
    let accounts: Int
    let days: Int
    let tradesPerDay: Int

    func load(user: UUID, pool: PostgresPool) async throws {
        let trades = days * tradesPerDay
        let step = 86_400.0 / Double(tradesPerDay)
        let statements: [(String, [any PostgresBindable])] = [
            ("SELECT klaro_ensure_partitions(now() - make_interval(days => $1 + 1), now() + interval '7 days')", [days]),
            ("INSERT INTO users (id) VALUES ($1)", [user]),
            ("INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ($1, 'sub_bench', 'cus_bench', 'active')", [user]),
            (
                """
                INSERT INTO user_mt5_accounts (user_id, mt5_login, mt5_password_encrypted, mt5_server, account_name,
                                               last_success_at, created_at, history_complete)
                SELECT $1, 100000 + g, 'v1:bench:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==', 'Bench-Server', 'Bench ' || g, now(),
                       now() - make_interval(days => $3 + 1) + g * interval '1 second', true
                FROM generate_series(1, $2) g
                """,
                [user, accounts, days]
            ),
            (
                "UPDATE account_schedule s SET last_synced = now(), last_outcome = 'ok' FROM user_mt5_accounts a WHERE a.id = s.account_id AND a.user_id = $1",
                [user]
            ),
            (
                """
                INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
                SELECT gen_random_uuid(), a.id, 10000 + s * 0.01, 10000 + s * 0.01 + 50 * sin(s / 7.0), 50 * sin(s / 7.0), 100, 9900,
                       (10000 + s * 0.01) / 100 * 100, 'USD', now() - s * interval '15 minutes'
                FROM user_mt5_accounts a, generate_series(0, $2 * 96) s WHERE a.user_id = $1
                """,
                [user, days]
            ),
            (
                """
                INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, magic, position_id, volume, price, commission, profit, symbol)
                SELECT a.id, 1, now() - make_interval(days => $2 + 1), 0, 2, 0, 0, 0, 0, 0, 0, 10000, ''
                FROM user_mt5_accounts a WHERE a.user_id = $1
                """,
                [user, days]
            ),
            (
                """
                INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, magic, position_id, volume, price, commission, profit, symbol)
                SELECT a.id, 10 + t * 2 + e, now() - make_interval(secs => (t + 1) * $3::float8) + e * interval '20 minutes', 0,
                       CASE WHEN (t + e) % 2 = 0 THEN 0 ELSE 1 END, e, t % 5, t + 1, 0.1, 1.1, -0.35,
                       CASE WHEN e = 1 THEN ((t * 7919) % 200 - 95)::numeric ELSE 0 END,
                       (ARRAY['EURUSD', 'GBPUSD', 'XAUUSD', 'USDJPY'])[1 + t % 4]
                FROM user_mt5_accounts a, generate_series(0, $2 - 1) t, generate_series(0, 1) e WHERE a.user_id = $1
                """,
                [user, trades, step]
            ),
            (
                """
                INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, commission, magic, time,
                                    time_close, is_closed, closed_volume, deal_count)
                SELECT a.id, t + 1, (ARRAY['EURUSD', 'GBPUSD', 'XAUUSD', 'USDJPY'])[1 + t % 4], CASE WHEN t % 2 = 0 THEN 'BUY' ELSE 'SELL' END,
                       0.1, 1.1, 1.2, ((t * 7919) % 200 - 95)::numeric, -0.7, t % 5,
                       now() - make_interval(secs => (t + 1) * $3::float8), now() - make_interval(secs => (t + 1) * $3::float8) + interval '20 minutes',
                       true, 0.1, 2
                FROM user_mt5_accounts a, generate_series(0, $2 - 1) t WHERE a.user_id = $1
                """,
                [user, trades, step]
            ),
            (
                """
                INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc)
                SELECT a.id, 1000000 + p, 'EURUSD', 'BUY', 0.1, 1.1, 1.11, 10, now(), 0
                FROM user_mt5_accounts a, generate_series(1, 5) p WHERE a.user_id = $1
                """,
                [user]
            ),
            ("ANALYZE", []),
        ]
        for (sql, parameters) in statements {
            try await pool.execute(sql, parameters)
        }
    }
}
