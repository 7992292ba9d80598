import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

/// Migration 0006 on a real PostgreSQL with a Supabase-like `auth` schema: roles `anon`,
/// `authenticated`, `service_role`, Supabase's default grants, and `auth.uid()` reading
/// `request.jwt.claims` as PostgREST sets it.
@Suite("Row Level Security (Supabase mode)", .serialized)
struct RowLevelSecurityTests {
    static let supabaseLikeAuth = """
        DO $$ BEGIN
            CREATE ROLE anon NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN
            CREATE ROLE authenticated NOLOGIN;
        EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        DO $$ BEGIN
            CREATE ROLE service_role NOLOGIN BYPASSRLS;
        EXCEPTION WHEN duplicate_object THEN NULL; END $$;
        CREATE SCHEMA auth;
        CREATE FUNCTION auth.uid() RETURNS uuid LANGUAGE sql STABLE AS $f$
            SELECT nullif(coalesce(current_setting('request.jwt.claim.sub', true),
                                   current_setting('request.jwt.claims', true)::jsonb ->> 'sub'), '')::uuid
        $f$;
        GRANT USAGE ON SCHEMA auth, public TO anon, authenticated, service_role;
        GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO anon, authenticated, service_role;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON FUNCTIONS TO anon, authenticated, service_role;
        """

    /// Every table that holds a user's data, with a column every reader may see.
    static let userTables = [
        ("users", "id"), ("subscriptions", "status"), ("user_mt5_accounts", "mt5_login"), ("account_snapshots", "balance"),
        ("account_snapshot_days", "balance"), ("positions", "ticket"), ("deals", "ticket"), ("trades", "ticket"),
        ("user_plans", "plan"), ("account_schedule", "next_sync_at"), ("account_schedule", "consecutive_failures"),
    ]
    static let closedTables = [
        "worker_hosts", "terminal_slots", "sync_runs", "admin_audit", "stripe_events", "identity_users", "identity_sessions",
        "identity_refresh_tokens", "schema_migrations", "account_status_counts",
    ]

    @Test("user A reads only A's rows, anon nothing, no password, no writes, no operator table; klarod keeps working")
    func policies() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 2)
            defer { Task { await pool.close() } }
            // The project exists first (as on Supabase), then klarod migrates into it.
            try await pool.withConnection { try $0.simpleQuery(Self.supabaseLikeAuth) }
            try await Migrator(pool: pool, migrations: try Migration.bundled(), logger: TestServices.logger()).migrate()
            #expect(try await pool.query("SELECT relrowsecurity FROM pg_class WHERE relname = 'user_mt5_accounts'")[0].bool(0))

            let userA = UUID(), userB = UUID()
            let accountA = try await Self.seed(pool, user: userA, login: 1001)
            _ = try await Self.seed(pool, user: userB, login: 2002)

            // A sees exactly A's rows in every user table.
            for (table, column) in Self.userTables {
                let rows = try await Self.asRole(pool, "authenticated", sub: userA, "SELECT count(*) FROM \(table) WHERE \(column) IS NOT NULL")
                #expect(try rows[0].int(0) == 1, "\(table)")
            }
            let accounts = try await Self.asRole(pool, "authenticated", sub: userA, "SELECT id FROM user_mt5_accounts")
            #expect(try accounts.map { try $0.uuid(0) } == [accountA])
            // No subject: nothing.
            #expect(try await Self.asRole(pool, "authenticated", sub: nil, "SELECT count(*) FROM trades")[0].int(0) == 0)

            // The password column, whole-row reads of accounts, and operator tables are refused.
            await Self.expectDenied(pool, "authenticated", userA, "SELECT mt5_password_encrypted FROM user_mt5_accounts")
            await Self.expectDenied(pool, "authenticated", userA, "SELECT * FROM user_mt5_accounts")
            await Self.expectDenied(pool, "authenticated", userA, "SELECT inflight_host FROM account_schedule")
            await Self.expectDenied(pool, "authenticated", userA, "SELECT * FROM account_schedule")
            let schedules = try await Self.asRole(
                pool, "authenticated", sub: userA,
                """
                SELECT account_id, next_sync_at, sync_class, last_synced, consecutive_failures, last_outcome, last_error_code,
                       last_error_message FROM account_schedule
                """)
            #expect(try schedules.map { try $0.uuid(0) } == [accountA])
            // What the app shows of an account: the wide row's granted columns, and (0020, 0021) the
            // last attempt, its outcome and the failure count from the schedule row, same ownership.
            let shown = try await Self.asRole(pool, "authenticated", sub: userA, """
                SELECT a.id, s.last_outcome, a.last_success_at, s.last_synced, s.consecutive_failures
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id
                """)
            #expect(try shown.map { try $0.uuid(0) } == [accountA])
            #expect(try shown[0].int(4) == 0)
            for table in Self.closedTables {
                await Self.expectDenied(pool, "authenticated", userA, "SELECT count(*) FROM \(table)")
                await Self.expectDenied(pool, "anon", nil, "SELECT count(*) FROM \(table)")
            }
            // anon reads nothing at all.
            for (table, _) in Self.userTables { await Self.expectDenied(pool, "anon", userA, "SELECT count(*) FROM \(table)") }
            // Writes are refused, even to one's own rows.
            for statement in [
                "UPDATE user_mt5_accounts SET account_name = 'x'", "DELETE FROM trades",
                "INSERT INTO users (id) VALUES (gen_random_uuid())", "UPDATE subscriptions SET plan = 'pro'",
                "INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc) VALUES ('\(accountA)', 5, 'X', 'BUY', 1, 1, 1, 1, now(), 0)",
            ] {
                await Self.expectDenied(pool, "authenticated", userA, statement)
                await Self.expectDenied(pool, "anon", nil, statement)
            }
            // Partitions read directly, now and created later, are closed too; and klarod's
            // functions are not callable through the API roles.
            _ = try await pool.query("SELECT klaro_ensure_partitions(now() + interval '400 days', now() + interval '401 days')")
            let partitions = try await pool.query("""
                SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
                WHERE p.relname = 'account_snapshots'
                """).map { try $0.string(0) }
            for partition in partitions {
                let rows = try? await Self.asRole(pool, "authenticated", sub: userB, "SELECT count(*) FROM \(partition)")
                let visible = try rows.map { try $0[0].int(0) } ?? 0
                #expect(visible == 0, "\(partition)")
            }
            await Self.expectDenied(pool, "anon", nil, "SELECT klaro_apply_plan('\(userA)')")

            // klarod, the tables' owner, still serves A's account through its API.
            var configuration = try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            configuration.identity.mode = .builtIn
            let klarod = try await RunningControlPlane(configuration: configuration)
            let token = TestJWT.make(sub: userA.uuidString)
            let reply = try await TestHTTP.get(klarod.baseURL + "/api/accounts", headers: ["Authorization": "Bearer \(token)"])
            await klarod.stop()
            #expect(reply.status == 200)
            #expect(reply.text.contains(accountA.uuidString.lowercased()))
        }
    }

    @Test("without an auth schema the migration changes nothing")
    func noAuthSchema() async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 1)
            let secured = try await pool.query("SELECT count(*) FROM pg_class WHERE relrowsecurity AND relnamespace = 'public'::regnamespace")
            let applied = try await pool.query("SELECT klaro_apply_row_level_security()")
            await pool.close()
            #expect(try secured[0].int(0) == 0)
            #expect(try applied[0].bool(0) == false)
        }
    }

    // MARK: Helpers

    /// A user with one account, a snapshot (and its daily roll-up), a position, a deal, a trade and a subscription.
    static func seed(_ pool: PostgresPool, user: UUID, login: Int) async throws -> UUID {
        let account = UUID()
        try await pool.transaction { connection in
            try connection.execute("INSERT INTO users (id, email) VALUES ($1, $2)", [user, "\(login)@example.com"])
            try connection.execute(
                "INSERT INTO subscriptions (user_id, stripe_subscription_id, stripe_customer_id, status) VALUES ($1, $2, 'cus', 'active')",
                [user, "sub_\(login)"])
            try connection.execute("""
                INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server)
                VALUES ($1, $2, $3, 'v1:k:c2VjcmV0', 'Broker')
                """, [account, user, login])
            try connection.execute("""
                INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level, currency, "timestamp")
                VALUES (gen_random_uuid(), $1, 100, 100, 0, 0, 100, 0, 'USD', now())
                """, [account])
            try connection.execute("""
                INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, profit, time, time_msc)
                VALUES ($1, 1, 'EURUSD', 'BUY', 0.1, 1.1, 1.1, 0, now(), 0)
                """, [account])
            try connection.execute(
                "INSERT INTO deals (account_id, ticket, time, time_msc, type, entry, volume, price, profit, symbol) VALUES ($1, 1, now(), 0, 2, 0, 0, 0, 100, '')",
                [account])
            try connection.execute("""
                INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, commission, magic, time,
                                    time_close, is_closed, closed_volume, deal_count)
                VALUES ($1, 1, 'EURUSD', 'BUY', 0.1, 1.1, 1.2, 10, 0, 0, now(), now(), true, 0.1, 2)
                """, [account])
        }
        return account
    }

    /// Runs `sql` as `role` with PostgREST's claims setting, in a transaction that is rolled back.
    static func asRole(_ pool: PostgresPool, _ role: String, sub: UUID?, _ sql: String) async throws -> PostgresRows {
        let claims = sub.map { #"{"sub":"\#($0.uuidString.lowercased())","role":"\#(role)"}"# } ?? #"{"role":"\#(role)"}"#
        return try await pool.withConnection { connection in
            try connection.simpleQuery("BEGIN")
            defer { try? connection.simpleQuery("ROLLBACK") }
            _ = try connection.query("SELECT set_config('request.jwt.claims', $1, true)", [claims])
            try connection.simpleQuery("SET LOCAL ROLE \(role)")
            return try connection.query(sql)
        }
    }

    static func expectDenied(_ pool: PostgresPool, _ role: String, _ sub: UUID?, _ sql: String,
                             sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            _ = try await asRole(pool, role, sub: sub, sql)
            Issue.record("\(role) was allowed: \(sql)", sourceLocation: sourceLocation)
        } catch {
            #expect("\(error)".contains("permission denied") || "\(error)".contains("row-level security"),
                    "\(role): \(sql): \(error)", sourceLocation: sourceLocation)
        }
    }
}
