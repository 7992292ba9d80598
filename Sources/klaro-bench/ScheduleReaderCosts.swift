import Foundation
import KlaroControlPlane
import KlaroPostgres

/// `klaro-bench schedule --reader-costs`: the schedule's periodic readers (``ScheduleReaders``)
/// as klarod runs them, against the statements and the four indexes before migration 0024
/// (created and dropped again in a rolled-back transaction), on the fleet in steady state
/// (``ScheduleSteadyExplain``) with 2 % never synced and a tick's jobs in flight. Per reader:
/// median execution time of EXPLAIN ANALYZE, buffers and whether it read the table sequentially.
enum ScheduleReaderCosts {
    /// The statements before migration 0024 (parameters as in ``ScheduleReaders/current(staleAfter:)``).
    static func before(staleAfter: TimeInterval) -> [(sql: String, parameters: [any PostgresBindable])] {
        return [
            (before0024Status, [staleAfter]),
            ("""
             SELECT count(*) FROM account_schedule WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
                 AND next_sync_at <= now()
             """, []),
            ("""
             SELECT sync_class, NULL::text, count(*), avg(avg_sync_ms) / 1000.0
             FROM (\(activeClassAndTime)) s GROUP BY 1
             """, []),
            ("""
             SELECT sync_class,
                    percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM now() - coalesce(last_success_at, created_at))),
                    percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM now() - coalesce(last_success_at, created_at)))
             FROM account_schedule WHERE status = 'active' AND is_active GROUP BY 1
             """, []),
            ("""
             SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY avg_sync_ms)
             FROM (\(activeClassAndTime)) s WHERE avg_sync_ms IS NOT NULL
             """, []),
        ]
    }

    /// The active accounts' class and sync time before 0024: the class index, and those in flight.
    static let activeClassAndTime = """
        SELECT sync_class, avg_sync_ms FROM account_schedule WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
        UNION ALL
        SELECT sync_class, avg_sync_ms FROM account_schedule
        WHERE inflight_job_id IS NOT NULL AND status = 'active' AND is_active
        """

    /// The status gauges' statement before 0024 (it counted the due and unplaced every 5 s too).
    static let before0024Status = """
        WITH cutoff AS (SELECT now() - make_interval(secs => $1::float8) AS at),
        inflight AS (
            SELECT last_success_at FROM account_schedule
            WHERE inflight_job_id IS NOT NULL AND status = 'active' AND is_active
        ),
        ages AS (
            SELECT least((SELECT min(last_success_at) FROM account_schedule
                          WHERE status = 'active' AND is_active AND last_success_at IS NOT NULL AND inflight_job_id IS NULL),
                         (SELECT min(last_success_at) FROM inflight)) AS oldest_success,
                   (SELECT min(created_at) FROM account_schedule
                    WHERE status = 'active' AND is_active AND last_success_at IS NULL) AS oldest_never
        )
        SELECT (SELECT count(*) FROM account_schedule, cutoff WHERE status = 'active' AND is_active
                    AND last_success_at IS NOT NULL AND inflight_job_id IS NULL AND last_success_at < cutoff.at)
               + (SELECT count(*) FROM inflight, cutoff WHERE last_success_at < cutoff.at)
               + (SELECT count(*) FROM account_schedule, cutoff WHERE status = 'active' AND is_active
                    AND last_success_at IS NULL AND created_at < cutoff.at),
               coalesce(extract(epoch FROM now() - least(ages.oldest_success, ages.oldest_never)), 0),
               (SELECT count(*) FROM inflight),
               (SELECT coalesce(sum(accounts), 0) FROM account_status_counts WHERE status = 'active' AND is_active),
               (SELECT count(*) FROM account_schedule WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
                    AND next_sync_at <= now()),
               (SELECT count(*) FROM account_schedule WHERE status = 'active' AND is_active AND assigned_host IS NULL),
               extract(epoch FROM now() - ages.oldest_success),
               (SELECT count(*) FROM account_schedule WHERE status = 'active' AND is_active AND last_success_at IS NULL)
        FROM ages
        """

    struct Cost {
        var times = Timings()
        var buffers = 0
        var sequential = false
    }

    static func measure(_ pool: PostgresPool, tick: () async throws -> Int, runs: Int) async throws {
        try await ScheduleSteadyExplain.makeSteady(pool)
        try await pool.execute("""
            UPDATE user_mt5_accounts SET last_success_at = NULL
            WHERE id IN (SELECT account_id FROM account_schedule WHERE abs(hashtext(account_id::text)) % 50 = 0)
            """)
        let inFlight = try await tick()
        try await pool.execute("VACUUM ANALYZE account_schedule")
        let staleAfter = 1_800.0
        let after = ScheduleReaders.current(staleAfter: staleAfter), before = before(staleAfter: staleAfter)
        var costs = Array(repeating: (after: Cost(), before: Cost()), count: after.count)
        for _ in 0..<runs {
            for (index, reader) in after.enumerated() {
                let plan = try await pool.withConnection { connection in
                    try connection.query("EXPLAIN (ANALYZE, BUFFERS) " + reader.sql, reader.parameters).map { try $0.string(0) }
                }
                record(plan, into: &costs[index].after)
                let old = before[index]
                let oldPlan = try await pool.withConnection { connection -> [String] in
                    try connection.simpleQuery("BEGIN")
                    defer { try? connection.simpleQuery("ROLLBACK") }
                    for statement in ScheduleIndexCosts.before0024 { try connection.simpleQuery(statement) }
                    return try connection.query("EXPLAIN (ANALYZE, BUFFERS) " + old.sql, old.parameters).map { try $0.string(0) }
                }
                record(oldPlan, into: &costs[index].before)
            }
        }
        print("schedule readers (steady state, \(inFlight) jobs in flight; EXPLAIN ANALYZE, median of \(runs)), before 0024 → now:")
        for (reader, cost) in zip(after, costs) {
            func text(_ cost: Cost) -> String {
                String(format: "%.1f ms, %d buffers%@", cost.times.median * 1000, cost.buffers,
                       cost.sequential ? ", reads the table sequentially" : "")
            }
            print("  \(reader.name): \(text(cost.before)) → \(text(cost.after))")
        }
    }

    /// Execution time, the top node's shared buffers, and any sequential read of the schedule.
    private static func record(_ plan: [String], into cost: inout Cost) {
        if let line = plan.first(where: { $0.hasPrefix("Execution Time:") }),
           let ms = Double(line.split(separator: " ")[2]) {
            cost.times.add(.nanoseconds(Int64(ms * 1_000_000)))
        }
        // "Buffers: shared hit=1 read=2, temp read=3 written=4": the shared part only.
        if let line = plan.first(where: { $0.contains("Buffers: shared") }),
           let shared = line.components(separatedBy: "shared ").last?.split(separator: ",").first {
            cost.buffers = shared.split(separator: " ").compactMap { part -> Int? in
                guard let value = part.split(separator: "=").last, part.hasPrefix("hit=") || part.hasPrefix("read=") else { return nil }
                return Int(value)
            }.reduce(0, +)
        }
        if plan.contains(where: { $0.contains("Seq Scan on account_schedule") }) { cost.sequential = true }
    }
}
