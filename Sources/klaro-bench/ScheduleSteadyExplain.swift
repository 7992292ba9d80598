import Foundation
import KlaroControlPlane
import KlaroPostgres

/// `klaro-bench schedule --explain`, second part: the dispatch statement on a fleet in steady
/// state rather than all due. Classes 30 % moving (5 min), 20 % quiet (15 min), 50 % dormant
/// (1 h); last successes spread evenly over an interval; next sync one interval less 10 s
/// after it (sync and wait), staleness deadline as `SyncPolicy.stalenessDeadline` (quiet 10 %
/// early). So about 10 s of each class is due, and the entries read beyond those taken are the
/// ones whose rank has come before their due time.
enum ScheduleSteadyExplain {
    static func run(_ pool: PostgresPool, queueDepth: Int, deadlineSeconds: Double) async throws {
        try await makeSteady(pool)
        // What an index scan in each order reads at most per tick (a slot stops early once
        // its room is filled): the rank order up to now + 60 s (migration 0016), and the due
        // order up to the current window (before it).
        let counts = try await pool.query("""
            SELECT count(*) FILTER (WHERE next_sync_at <= now()),
                   count(*) FILTER (WHERE klaro_refill_window(klaro_dispatch_rank(staleness_deadline, next_sync_at))
                                          <= klaro_refill_window(now() + interval '60 seconds')),
                   count(*) FILTER (WHERE klaro_refill_window(next_sync_at) <= klaro_refill_window(now()))
            FROM account_schedule WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
            """)[0]
        print("steady state: \(try counts.int(0)) accounts due; index entries in range: by rank (now) \(try counts.int(1)), "
              + "by due time (before 0016) \(try counts.int(2))")
        let plan = try await pool.withConnection { connection -> [String] in
            try connection.simpleQuery("BEGIN")
            defer { try? connection.simpleQuery("ROLLBACK") }
            return try connection.query("EXPLAIN (ANALYZE, BUFFERS, TIMING OFF) " + DispatchQuery.sql, [queueDepth, deadlineSeconds])
                .map { try $0.string(0) }
        }
        print("steady state: the dispatch statement's pick (EXPLAIN ANALYZE, BUFFERS, rolled back)")
        var keep = false
        for line in plan {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("CTE ") { keep = trimmed == "CTE picked" }
            if keep || trimmed.hasPrefix("Execution Time") { print("  " + line.prefix(170)) }
        }
    }

    /// Rewrites the fleet's schedule into the steady state described above (vacuumed, analysed).
    static func makeSteady(_ pool: PostgresPool) async throws {
        try await pool.execute("""
            WITH r AS (SELECT account_id, random() AS c, random() AS p FROM account_schedule),
            k AS (
                SELECT account_id, p,
                       CASE WHEN c < 0.3 THEN 'moving' WHEN c < 0.5 THEN 'quiet' ELSE 'dormant' END AS class,
                       CASE WHEN c < 0.3 THEN 300 WHEN c < 0.5 THEN 900 ELSE 3600 END AS iv,
                       CASE WHEN c >= 0.3 AND c < 0.5 THEN 0.1 ELSE 0 END AS lead
                FROM r
            )
            UPDATE account_schedule s
            SET sync_class = k.class, avg_sync_ms = 5000,
                last_success_at = now() - make_interval(secs => k.p * k.iv),
                next_sync_at = now() - make_interval(secs => k.p * k.iv) + make_interval(secs => k.iv - 10),
                staleness_deadline = now() - make_interval(secs => k.p * k.iv) + make_interval(secs => (1 - k.lead) * k.iv)
            FROM k WHERE s.account_id = k.account_id
            """)
        try await pool.execute("VACUUM ANALYZE account_schedule")
    }
}
