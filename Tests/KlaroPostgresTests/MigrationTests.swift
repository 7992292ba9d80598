import Foundation
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Migrations against a real PostgreSQL")
struct MigrationTests {
    @Test("apply on an empty database, then are a no-op")
    func applyThenNoOp() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool()
            let migrator = Migrator(pool: pool, migrations: try Migration.bundled(), logger: TestServices.logger())
            #expect(try await migrator.isCurrent() == false)

            let first = try await migrator.migrate()
            #expect(first.map(\.version) == migrator.migrations.map(\.version))
            #expect(try await migrator.isCurrent())

            let second = try await migrator.migrate()
            #expect(second.isEmpty)
            let status = try await migrator.status()
            #expect(status.allSatisfy { $0.state == .applied })

            // The whole schema is there, with the time-partitioned tables partitioned.
            let tables = try await pool.query("""
                SELECT c.relname, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
                """)
            var kinds: [String: String] = [:]
            for row in tables { kinds[try row.string(0)] = try row.string(1) }
            for table in ["users", "user_mt5_accounts", "positions", "deals", "trades", "subscriptions",
                          "worker_hosts", "terminal_slots", "admin_audit", "schema_migrations"] {
                #expect(kinds[table] == "r", "\(table) should be a plain table")
            }
            #expect(kinds["sync_runs"] == "p")
            #expect(kinds["account_snapshots"] == "p")
            let partitions = try await pool.query("SELECT count(*) FROM pg_inherits WHERE inhparent = 'sync_runs'::regclass")
            #expect(try partitions[0].int(0) >= 8, "a default partition and a week of daily ones")
            await pool.close()
        }
    }

    /// Issue 16: every non-HOT update of a row inserts into each of its table's indexes, so an
    /// index whose columns lead another index with the same predicate is pure write cost.
    @Test("no index of the per-sync tables repeats the leading columns of another")
    func noRedundantIndexes() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let redundant = try await pool.query("""
                SELECT a.indexrelid::regclass::text, b.indexrelid::regclass::text
                FROM pg_index a JOIN pg_index b ON b.indrelid = a.indrelid AND b.indexrelid <> a.indexrelid
                WHERE a.indrelid = ANY (ARRAY['user_mt5_accounts', 'account_schedule', 'terminal_slots', 'worker_hosts',
                                              'sync_runs']::regclass[])
                  AND NOT a.indisunique AND a.indexprs IS NULL AND b.indexprs IS NULL
                  AND a.indnkeyatts <= b.indnkeyatts
                  AND (string_to_array(b.indkey::text, ' '))[1:a.indnkeyatts] = string_to_array(a.indkey::text, ' ')
                  AND pg_get_expr(a.indpred, a.indrelid) IS NOT DISTINCT FROM pg_get_expr(b.indpred, b.indrelid)
                """)
            let pairs = try redundant.map { "\(try $0.string(0)) ⊂ \(try $0.string(1))" }
            #expect(pairs.isEmpty, "\(pairs)")
            await pool.close()
        }
    }

    @Test("two migrators started at once take turns and apply each migration once")
    func concurrentMigrators() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pools = [database.pool(size: 1), database.pool(size: 1)]
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for pool in pools {
                    group.addTask {
                        let migrator = Migrator(pool: pool, migrations: try Migration.bundled(), logger: TestServices.logger())
                        return try await migrator.migrate().map(\.version)
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            let all = try Migration.bundled().map(\.version)
            #expect(applied.flatMap { $0 }.sorted() == all, "every migration applied exactly once in total")
            let rows = try await pools[0].query("SELECT count(*) FROM schema_migrations")
            #expect(try rows[0].int(0) == all.count)
            for pool in pools { await pool.close() }
        }
    }

    @Test("an applied migration that was edited is reported, not silently skipped")
    func modifiedMigration() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool()
            let original = [Migration(version: 1, name: "one", sql: "CREATE TABLE one (id int)")]
            try await Migrator(pool: pool, migrations: original, logger: TestServices.logger()).migrate()
            let edited = [Migration(version: 1, name: "one", sql: "CREATE TABLE one (id bigint)")]
            let migrator = Migrator(pool: pool, migrations: edited, logger: TestServices.logger())
            await #expect(throws: MigrationError.self) { try await migrator.migrate() }
            #expect(try await migrator.status().first?.state == .modified)
            #expect(try await migrator.isCurrent() == false)
            await pool.close()
        }
    }

    @Test("partition maintenance creates ahead and drops what retention allows")
    func partitionMaintenance() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let created = try await pool.query(
                "SELECT klaro_ensure_partitions(now() - interval '40 days', now() + interval '3 days')")
            #expect(try created[0].int(0) > 30)
            let dropped = try await pool.query(
                "SELECT klaro_drop_expired_partitions(now() - interval '30 days', now() - interval '400 days')")
            #expect(try dropped[0].int(0) >= 9)
            let oldest = try await pool.query("""
                SELECT min(c.relname) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
                WHERE i.inhparent = 'sync_runs'::regclass AND c.relname <> 'sync_runs_default'
                """)
            let cutoff = Date().addingTimeInterval(-31 * 86_400)
            let formatter = DateFormatter()
            formatter.dateFormat = "yyyyMMdd"
            formatter.timeZone = TimeZone(identifier: "UTC")
            #expect(try oldest[0].string(0) >= "sync_runs_p" + formatter.string(from: cutoff))
            await pool.close()
        }
    }
}
