import Foundation
import KlaroControlPlane
import KlaroPostgres

/// `klaro-bench schedule --index-costs`: what each index of `account_schedule` costs the
/// dispatch statement. For each index the dispatch itself does not read (the primary key, the
/// slot's due orders and the in-flight count it needs), the statement runs with that index
/// dropped inside a transaction that is then rolled back, against the same runs with every
/// index and with the gauges' and the policy's four indexes as they were before migration 0024; rounds
/// alternate the variants, and the table is vacuumed between runs so the rolled-back versions
/// do not pile up. Two more variants drop the check that each inserted run names an account
/// (migration 0023: one per statement), or put back the foreign key it replaced.
enum ScheduleIndexCosts {
    static let needed: Set<String> = [
        "account_schedule_pkey", "account_schedule_due", "account_schedule_slot_due", "account_schedule_inflight",
    ]

    /// Before migration 0024 four indexes served the status gauges and the sync policy: the
    /// due count's, the classes', and the synced and never-synced accounts' freshness.
    static let before0024 = [
        "DROP INDEX account_schedule_freshness",
        """
        CREATE INDEX account_schedule_due_at ON account_schedule (next_sync_at)
            WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
        """,
        """
        CREATE INDEX account_schedule_class ON account_schedule (sync_class, avg_sync_ms)
            WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
        """,
        """
        CREATE INDEX account_schedule_fresh ON account_schedule (last_success_at)
            WHERE status = 'active' AND is_active AND last_success_at IS NOT NULL AND inflight_job_id IS NULL
        """,
        """
        CREATE INDEX account_schedule_never_synced ON account_schedule (created_at)
            WHERE status = 'active' AND is_active AND last_success_at IS NULL
        """,
    ]

    /// As migration 0024 leaves them.
    static let after0024 = [
        "DROP INDEX account_schedule_due_at", "DROP INDEX account_schedule_class", "DROP INDEX account_schedule_fresh",
        "DROP INDEX account_schedule_never_synced",
        """
        CREATE INDEX account_schedule_freshness ON account_schedule (sync_class, last_success_at, created_at, avg_sync_ms)
            WHERE status = 'active' AND is_active AND inflight_job_id IS NULL
        """,
    ]

    /// The runs' account check as migration 0013 made it: a foreign key, a trigger call per run.
    static let runsForeignKey = [
        "DROP TRIGGER sync_runs_account_exists ON sync_runs",
        """
        ALTER TABLE sync_runs ADD CONSTRAINT sync_runs_account_id_fkey FOREIGN KEY (account_id)
            REFERENCES account_schedule (account_id) ON DELETE CASCADE
        """,
    ]

    static func measure(_ pool: PostgresPool, queueDepth: Int, deadlineSeconds: Double, runs: Int) async throws {
        let indexes = try await pool.query("""
            SELECT indexname FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'account_schedule' ORDER BY 1
            """).map { try $0.string(0) }
        let optional = indexes.filter { !needed.contains($0) }
        var variants: [(label: String, setup: [String])] = [("every index", []), ("the four indexes before 0024", before0024)]
        variants += optional.map { ("without \($0)", ["DROP INDEX \($0)"]) }
        variants.append(("without all of them", optional.map { "DROP INDEX \($0)" }))
        variants.append(("without the runs' account check", ["DROP TRIGGER sync_runs_account_exists ON sync_runs"]))
        variants.append(("runs checked by 0013's foreign key instead", runsForeignKey))
        var timings = Array(repeating: Timings(), count: variants.count)
        var jobs = 0
        for _ in 0..<runs {
            for (index, variant) in variants.enumerated() {
                try await pool.execute("VACUUM account_schedule")
                try await pool.execute("VACUUM sync_runs")
                let (took, count) = try await pool.withConnection { connection -> (Duration, Int) in
                    try connection.simpleQuery("BEGIN")
                    defer { try? connection.simpleQuery("ROLLBACK") }
                    for statement in variant.setup { try connection.simpleQuery(statement) }
                    let started = ContinuousClock.now
                    let count = try connection.query(DispatchQuery.sql, [queueDepth, deadlineSeconds]).count
                    return (ContinuousClock.now - started, count)
                }
                timings[index].add(took)
                jobs = count
            }
        }
        let base = timings[0].median
        print("dispatch statement (\(jobs) jobs) by index of account_schedule, each dropped in a rolled-back transaction:")
        print("  needed by the dispatch itself (not dropped): \(indexes.filter { needed.contains($0) }.joined(separator: ", "))")
        for (variant, timing) in zip(variants, timings) {
            let saved = variant.setup.isEmpty ? "" : String(format: "  (%+.1f ms)", (timing.median - base) * 1000)
            print("  \(variant.label.padding(toLength: 48, withPad: " ", startingAt: 0)) \(timing.summary)\(saved)")
        }
    }
}
