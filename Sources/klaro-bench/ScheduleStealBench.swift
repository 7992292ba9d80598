import Foundation
import KlaroControlPlane
import KlaroPostgres

/// `ops/bench schedule`'s work-stealing figures (issue 13): the dispatch statement without and
/// with stealing on the bench's fleet as it is (every slot with due work of its own: nothing to
/// steal), and on a fleet where two slots of every host have nothing due while the other two
/// hold accounts late by ten minutes (the stealing part's worst case: every host has thieves and
/// victims). Each run is rolled back, so the fleet is unchanged.
enum ScheduleStealBench {
    static func measure(_ pool: PostgresPool, queueDepth: Int, deadlineSeconds: Double, stealAfter: Double, runs: Int, explain: Bool) async throws {
        var off = Timings(), on = Timings(), mixedOff = Timings(), mixedOn = Timings()
        var counts = (off: 0, on: 0, mixedOff: 0, mixedOn: 0, stolen: 0)
        for _ in 0..<runs {
            for steal in [false, true] {
                let (took, rows) = try await timed(pool, mixed: false, queueDepth: queueDepth, deadlineSeconds: deadlineSeconds,
                                                   stealAfter: steal ? stealAfter : nil)
                if steal { on.add(took); counts.on = rows.count } else { off.add(took); counts.off = rows.count }
                let (mixedTook, mixedRows) = try await timed(pool, mixed: true, queueDepth: queueDepth, deadlineSeconds: deadlineSeconds,
                                                             stealAfter: steal ? stealAfter : nil)
                if steal {
                    mixedOn.add(mixedTook)
                    counts.mixedOn = mixedRows.count
                    counts.stolen = mixedRows.stolen
                } else {
                    mixedOff.add(mixedTook)
                    counts.mixedOff = mixedRows.count
                }
            }
        }
        print("work stealing (KLARO_DISPATCH_STEAL_AFTER_SECONDS \(Int(stealAfter)) s), same data, each run rolled back:")
        print("  dispatch statement, stealing off, \(counts.off) jobs: \(off.summary)")
        print("  dispatch statement, stealing on,  \(counts.on) jobs: \(on.summary)")
        print("  half of each host's slots idle, the others 10 min late:")
        print("    stealing off, \(counts.mixedOff) jobs: \(mixedOff.summary)")
        print("    stealing on,  \(counts.mixedOn) jobs (\(counts.stolen) stolen): \(mixedOn.summary)")
        if explain {
            let plan = try await pool.withConnection { connection -> [String] in
                try connection.simpleQuery("BEGIN")
                defer { try? connection.simpleQuery("ROLLBACK") }
                try makeMixed(connection)
                return try connection.query(
                    "EXPLAIN (ANALYZE, BUFFERS, TIMING) " + DispatchQuery.sqlStealing, [queueDepth, deadlineSeconds, stealAfter]
                ).map { try $0.string(0) }
            }
            print("EXPLAIN ANALYZE of the stealing statement, half of each host's slots idle:")
            print(plan.joined(separator: "\n"))
        }
    }

    /// Slots 2 and 4 of every host: nothing due; slots 1 and 3: due ten minutes ago.
    private static func makeMixed(_ connection: PostgresConnection) throws {
        try connection.simpleQuery("""
            UPDATE account_schedule SET next_sync_at = CASE WHEN assigned_slot % 2 = 0 THEN now() + interval '1 hour'
                                                             ELSE now() - interval '10 minutes' END
            WHERE assigned_host IS NOT NULL
            """)
        try connection.simpleQuery("ANALYZE account_schedule")
    }

    private static func timed(
        _ pool: PostgresPool, mixed: Bool, queueDepth: Int, deadlineSeconds: Double, stealAfter: Double?
    ) async throws -> (Duration, (count: Int, stolen: Int)) {
        try await pool.withConnection { connection in
            try connection.simpleQuery("BEGIN")
            defer { try? connection.simpleQuery("ROLLBACK") }
            if mixed { try makeMixed(connection) }
            let started = ContinuousClock.now
            // The statement at the default refill window, as the tick runs it (column 13: stolen).
            let rows = if let stealAfter {
                try connection.query(DispatchQuery.sqlStealing, [queueDepth, deadlineSeconds, stealAfter])
            } else {
                try connection.query(DispatchQuery.sql, [queueDepth, deadlineSeconds])
            }
            let took = ContinuousClock.now - started
            return (took, (rows.count, try rows.count { try stealAfter != nil && $0.bool(13) }))
        }
    }
}
