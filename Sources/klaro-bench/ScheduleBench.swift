import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry

/// `klaro-bench schedule`: one scheduler tick over a large fleet, end to end (the dispatch
/// statement, opening and sealing every password, and the XADDs); and, on a copy of the same
/// data laid out as before migration 0010 (``WideRowBaseline``), the dispatch statement that
/// rewrote the wide accounts row, so one run shows the tick before and after.
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

    @Flag(help: "Print the dispatch statement's EXPLAIN ANALYZE once (rolled back), and its scans on a fleet in steady state.")
    var explain = false

    @Flag(help: "Also time the dispatch statement without each index of account_schedule it does not read (rolled back).")
    var indexCosts = false

    @Flag(help: "Also time the schedule's periodic readers before and after migration 0024, in steady state (rewrites the fleet).")
    var readerCosts = false

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
        try await WideRowBaseline.build(pool)
        let wideIndexes = try await WideRowBaseline.indexCount(pool)
        let narrowIndexes = try await pool.query(
            "SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'account_schedule'")[0].int(0)

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
        var wide = Timings(), wideTick = Timings(), before0024 = Timings(), before0024SQL = Timings()
        var dispatched = 0, wideDispatched = 0
        var firstTick: Duration = .zero, firstSealing: Duration = .zero
        for run in 0..<runs {
            // Vacuumed before each measured tick alike (the before-0024 tick below too).
            try await pool.execute("VACUUM ANALYZE account_schedule")
            let started = ContinuousClock.now
            let report = try await scheduler.tick()
            let tickTook = ContinuousClock.now - started
            if run == 0 { (firstTick, firstSealing) = (tickTook, report.sealing) }
            full.add(tickTook)
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
                UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                       inflight_host = NULL, inflight_slot = NULL WHERE inflight_job_id IS NOT NULL
                """)
            try await pool.execute("DELETE FROM sync_runs")
            try await redis.command(["FLUSHDB"])

            // The same dispatch on the wide row; the rest of its tick costs what it costs above.
            let wideStarted = ContinuousClock.now
            wideDispatched = try await pool.query(WideRowBaseline.sql, [settings.queueDepth, settings.jobDeadline]).count
            let wideTook = ContinuousClock.now - wideStarted
            wide.add(wideTook)
            wideTick.add(tickTook - report.database + wideTook)
            try await WideRowBaseline.reset(pool)
            try await pool.execute("DELETE FROM sync_runs")

            // The same tick with the gauges' and the policy's four indexes as before migration 0024.
            for statement in ScheduleIndexCosts.before0024 { try await pool.execute(statement) }
            try await pool.execute("VACUUM ANALYZE account_schedule")
            let beforeStarted = ContinuousClock.now
            let beforeReport = try await scheduler.tick()
            before0024.add(ContinuousClock.now - beforeStarted)
            before0024SQL.add(beforeReport.database)
            try await pool.execute("""
                UPDATE account_schedule SET inflight_job_id = NULL, inflight_enqueued_at = NULL, inflight_deadline = NULL,
                       inflight_host = NULL, inflight_slot = NULL WHERE inflight_job_id IS NOT NULL
                """)
            try await pool.execute("DELETE FROM sync_runs")
            try await redis.command(["FLUSHDB"])
            for statement in ScheduleIndexCosts.after0024 { try await pool.execute(statement) }
            try await pool.execute("VACUUM ANALYZE account_schedule")
        }
        print("schedule: \(accounts) accounts, \(hostCount * 4) slots, queue depth \(settings.queueDepth)")
        print("  tick dispatching \(dispatched) jobs: \(full.summary)")
        print("    dispatch statement (PostgreSQL): \(sql.summary)")
        print("    open and seal passwords:         \(sealing.summary)")
        print("    XADD pipeline (Redis):           \(xadd.summary)")
        print("  tick with every queue full:        \(idle.summary)")
        // Sealers are kept per host within their budget (docs/crypto.md §3): the first tick,
        // and one a minute after, makes every host's ephemeral key afresh.
        print("  first tick (a new ephemeral key for each of \(hostCount) hosts): \(Self.milliseconds(firstTick)), "
              + "of which open and seal \(Self.milliseconds(firstSealing))")
        print("before and after (migration 0010), same data, same run:")
        print("  dispatch statement, wide accounts row (\(wideIndexes) indexes), \(wideDispatched) jobs: \(wide.summary)")
        print("  dispatch statement, narrow account_schedule (\(narrowIndexes) indexes), \(dispatched) jobs: \(sql.summary)")
        print("  tick before (this run's tick, wide statement swapped in): \(wideTick.summary)")
        print("  tick after:                                             \(full.summary)")
        print("before and after migration 0024 (one index for the gauges and the policy instead of four), same run:")
        print("  dispatch statement before: \(before0024SQL.summary)")
        print("  dispatch statement after:  \(sql.summary)")
        print("  tick before: \(before0024.summary)")
        print("  tick after:  \(full.summary)")
        // Load relief's look (issue 13): one aggregate of the load per slot, every 5 minutes.
        let fleet = FleetMonitor(
            pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: telemetry.metrics, logger: logger),
            settings: settings, metrics: telemetry.metrics, logger: logger)
        var look = Timings()
        var past = 0
        for _ in 0..<runs {
            let started = ContinuousClock.now
            past = try await fleet.slotsPastReliefBound().count
            look.add(ContinuousClock.now - started)
        }
        print("  load relief's look at the load per slot (every 5 min; \(past) slots past the bound): \(look.summary)")
        try await ScheduleStealBench.measure(
            pool, queueDepth: settings.queueDepth, deadlineSeconds: settings.jobDeadline,
            stealAfter: settings.dispatchStealAfter ?? WorkStealing.defaultLateness,
            acrossHostsAfter: settings.dispatchStealAcrossHostsAfter ?? WorkStealing.defaultAcrossHostsLateness, runs: runs, explain: explain)
        if indexCosts {
            try await ScheduleIndexCosts.measure(pool, queueDepth: settings.queueDepth, deadlineSeconds: settings.jobDeadline, runs: runs)
        }
        // Last: they rewrite the fleet's schedule.
        if explain {
            try await ScheduleSteadyExplain.run(pool, queueDepth: settings.queueDepth, deadlineSeconds: settings.jobDeadline)
        }
        if readerCosts {
            try await ScheduleReaderCosts.measure(pool, tick: { try await scheduler.tick().dispatched }, runs: runs)
        }
        await redis.close()
        await pool.close()
        await database.drop(logger: logger)
    }

    private static func milliseconds(_ duration: Duration) -> String {
        String(format: "%.1f ms", Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15)
    }
}
