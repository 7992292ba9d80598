import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry

/// `klaro-bench placement-wal`: the WAL klarod's placement writes per account when a fleet is
/// approved after an import (issue 16: most of the soak's fleet-up WAL). The same accounts are
/// unplaced and placed again by the fleet monitor's automatic placement under each variant:
/// the schedule's indexes now or as before migration 0024, the table's fillfactor (the table
/// rewritten at it with VACUUM FULL, as an import leaves it), and with or without a checkpoint
/// just before (after one, the first write to each page logs the whole page).
struct PlacementWALBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "placement-wal", abstract: "WAL bytes per account of the automatic placement of a whole import.")

    @OptionGroup var servers: BenchServers

    @Option(help: "Accounts to place.")
    var accounts = 100_000

    @Option(help: "Worker hosts (4 slots each).")
    var hosts = 250

    @Option(help: "Fillfactors of account_schedule to measure (comma-separated).")
    var fillfactors = "45,50,100"

    func run() async throws {
        let (adminURL, redisURL) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let pool = PostgresPool(configuration: .init(url: database.url, size: 2, statementTimeout: 0), logger: logger)
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: logger)
        let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "bench")))
        print("placement-wal: \(accounts) accounts, \(hosts) hosts × 4 slots …")
        _ = try await BenchFleet.createHosts(pool, hosts: hosts, slotsPerHost: 4)
        _ = try await BenchFleet.createAccounts(pool, vault: vault, count: accounts, hosts: [], slotsPerHost: 4)
        let walInspect = await SoakWrites(pool: pool).enableWALInspection()
        let telemetry = MetricsBootstrap(build: BuildInfo(version: "bench", revision: "bench"))
        let fleet = FleetMonitor(
            pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: telemetry.metrics, logger: logger),
            settings: SyncSettings(), metrics: telemetry.metrics, logger: logger)
        let factors = fillfactors.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        var variants: [(indexes: String, setup: [String], fillfactor: Int)] = factors.map { ("now", [], $0) }
        variants.append(("before 0024", ScheduleIndexCosts.before0024, 50))
        for variant in variants {
            for statement in variant.setup { try await pool.execute(statement) }
            for checkpoint in [false, true] {
                try await pool.execute("UPDATE account_schedule SET assigned_host = NULL, assigned_slot = NULL WHERE assigned_host IS NOT NULL")
                try await pool.execute("ALTER TABLE account_schedule SET (fillfactor = \(variant.fillfactor))")
                // Without: the checkpoint comes before the rewrite, so no page is logged whole.
                if !checkpoint { try await pool.execute("CHECKPOINT") }
                try await pool.execute("VACUUM FULL account_schedule")
                try await pool.execute("ANALYZE account_schedule")
                if checkpoint { try await pool.execute("CHECKPOINT") }
                let start = try await pool.query("SELECT pg_current_wal_insert_lsn()::text")[0].string(0)
                let moved = try await fleet.placeNow()
                let end = try await pool.query("SELECT pg_current_wal_insert_lsn()::text")[0].string(0)
                let bytes = try await pool.query("SELECT pg_wal_lsn_diff($2::pg_lsn, $1::pg_lsn)::float8", [start, end])[0].double(0)
                var line = String(format: "  indexes %@, fillfactor %d, %@: %.0f bytes an account (%d placed, %.1f MB)",
                                  variant.indexes, variant.fillfactor, checkpoint ? "checkpoint just before" : "no checkpoint",
                                  bytes / Double(max(moved, 1)), moved, bytes / 1_048_576)
                if walInspect {
                    let split = try await SoakWrites(pool: pool).walByRelation(from: start, to: end)
                    let top = split.records.sorted { $0.value.bytes > $1.value.bytes }.prefix(6)
                    line += "\n    " + top.map { name, wal in
                        String(format: "%@ %.0f B (fpi %.0f %%)", name, wal.bytes / Double(max(moved, 1)), 100 * wal.fpi / max(wal.bytes, 1))
                    }.joined(separator: ", ")
                }
                print(line)
            }
            if !variant.setup.isEmpty { for statement in ScheduleIndexCosts.after0024 { try await pool.execute(statement) } }
        }
        await redis.close()
        await pool.close()
        await database.drop(logger: logger)
    }
}
