import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry

/// `klaro-bench schedule`: one scheduler tick over a large fleet, end to end (the dispatch
/// statement, opening and sealing every password, and the XADDs).
struct ScheduleBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Time scheduler ticks with many accounts and slots (every account due)."
    )

    @OptionGroup var servers: BenchServers

    @Option(help: "Number of accounts.")
    var accounts = 100_000

    @Option(help: "Number of slots (4 per host).")
    var slots = 1_000

    @Option(help: "Timed ticks.")
    var runs = 5

    @Flag(help: "Print the dispatch statement's EXPLAIN ANALYZE once (rolled back).")
    var explain = false

    func run() async throws {
        let (adminURL, redisURL) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let pool = PostgresPool(configuration: .init(url: database.url, size: 4), logger: logger)
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: logger)
        try await redis.command(["FLUSHDB"])
        let keyRing = try KeyRing.parse(try KeyRing.generateEntry(id: "bench"))
        let vault = CredentialVault(keyRing: keyRing)
        let hostCount = max(1, slots / 4)
        print("setting up \(accounts) accounts on \(hostCount) hosts × 4 slots …")
        let hosts = try await BenchFleet.createHosts(pool, hosts: hostCount, slotsPerHost: 4)
        _ = try await BenchFleet.createAccounts(pool, vault: vault, count: accounts, hosts: hosts.keys.sorted(), slotsPerHost: 4)

        let telemetry = MetricsBootstrap(build: BuildInfo(version: "bench", revision: "bench"))
        let settings = SyncSettings()
        let scheduler = Scheduler(
            pool: pool, redis: redis, vault: vault,
            leadership: LeaderElection(url: database.url, metrics: telemetry.metrics, logger: logger),
            settings: settings, metrics: telemetry.metrics, logger: logger
        )
        if explain {
            let plan = try await pool.withConnection { connection -> [String] in
                try connection.simpleQuery("BEGIN")
                defer { try? connection.simpleQuery("ROLLBACK") }
                return try connection.query("EXPLAIN (ANALYZE, BUFFERS, TIMING) " + DispatchQuery.sql, [settings.queueDepth, settings.jobDeadline])
                    .map { try $0.string(0) }
            }
            print(plan.joined(separator: "\n"))
        }
        var full = Timings(), sql = Timings(), sealing = Timings(), xadd = Timings(), idle = Timings()
        var dispatched = 0
        for _ in 0..<runs {
            let started = ContinuousClock.now
            let report = try await scheduler.tick()
            full.add(ContinuousClock.now - started)
            sql.add(report.database)
            sealing.add(report.sealing)
            xadd.add(report.redis)
            dispatched = report.dispatched
            // A tick with every queue full: nothing to do but find that out.
            let quiet = ContinuousClock.now
            _ = try await scheduler.tick()
            idle.add(ContinuousClock.now - quiet)
            // Give the jobs back so the next run dispatches as many again.
            try await pool.execute("""
                UPDATE user_mt5_accounts SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                       inflight_host = NULL, inflight_slot = NULL WHERE inflight_job_id IS NOT NULL
                """)
            try await pool.execute("DELETE FROM sync_runs")
            try await redis.command(["FLUSHDB"])
        }
        print("schedule: \(accounts) accounts, \(hostCount * 4) slots, queue depth \(settings.queueDepth)")
        print("  tick dispatching \(dispatched) jobs: \(full.summary)")
        print("    dispatch statement (PostgreSQL): \(sql.summary)")
        print("    open and seal passwords:         \(sealing.summary)")
        print("    XADD pipeline (Redis):           \(xadd.summary)")
        print("  tick with every queue full:        \(idle.summary)")
        await redis.close()
        await pool.close()
        await database.drop(logger: logger)
    }
}
