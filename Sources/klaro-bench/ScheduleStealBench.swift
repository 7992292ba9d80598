import Foundation
import KlaroControlPlane
import KlaroPostgres

/// `ops/bench schedule`'s work-stealing figures (issue 13): the dispatch statement without
/// stealing, with stealing within hosts, and with its second tier across hosts, on the same
/// data: the bench's fleet as it is (every slot with due work of its own: nothing to steal); a
/// fleet where two slots of every host have nothing due while the other two hold accounts late
/// by ten minutes (the first tier's worst case: every host has thieves and victims); and one
/// where every other host has nothing due while the rest hold accounts late by ten minutes (the
/// second tier's: half the fleet idle, the other half's slots all without room). Each run is
/// rolled back, so the fleet is unchanged.
enum ScheduleStealBench {
    /// What is due: every account (the bench's fleet), or per slot or per host as above.
    private enum Fleet: CaseIterable {
        case asIs, idleSlots, idleHosts

        var title: String {
            switch self {
            case .asIs: "every account due"
            case .idleSlots: "half of each host's slots idle, the others 10 min late"
            case .idleHosts: "every other host idle, the others' slots all 10 min late"
            }
        }
    }

    private enum Stealing: CaseIterable {
        case off, withinHosts, acrossHosts

        var title: String {
            switch self {
            case .off: "stealing off,        "
            case .withinHosts: "within hosts,        "
            case .acrossHosts: "within + across hosts"
            }
        }
    }

    static func measure(
        _ pool: PostgresPool, queueDepth: Int, deadlineSeconds: Double, stealAfter: Double, acrossHostsAfter: Double, runs: Int,
        explain: Bool
    ) async throws {
        var timings: [Fleet: [Stealing: Timings]] = [:]
        var counts: [Fleet: [Stealing: (jobs: Int, stolen: Int, across: Int)]] = [:]
        for _ in 0..<runs {
            for fleet in Fleet.allCases {
                for stealing in Stealing.allCases {
                    let (took, rows) = try await timed(
                        pool, fleet: fleet, stealing: stealing, queueDepth: queueDepth, deadlineSeconds: deadlineSeconds,
                        stealAfter: stealAfter, acrossHostsAfter: acrossHostsAfter)
                    timings[fleet, default: [:]][stealing, default: Timings()].add(took)
                    counts[fleet, default: [:]][stealing] = rows
                }
            }
        }
        print("work stealing (KLARO_DISPATCH_STEAL_AFTER_SECONDS \(Int(stealAfter)) s, _ACROSS_HOSTS_AFTER_SECONDS \(Int(acrossHostsAfter)) s), same data, each run rolled back:")
        for fleet in Fleet.allCases {
            print("  \(fleet.title):")
            for stealing in Stealing.allCases {
                let c = counts[fleet]?[stealing] ?? (0, 0, 0)
                print("    \(stealing.title) \(c.jobs) jobs (\(c.stolen) stolen, \(c.across) across hosts): \(timings[fleet]?[stealing]?.summary ?? "no runs")")
            }
        }
        if explain {
            let plan = try await pool.withConnection { connection -> [String] in
                try connection.simpleQuery("BEGIN")
                defer { try? connection.simpleQuery("ROLLBACK") }
                try make(.idleHosts, connection)
                return try connection.query(
                    "EXPLAIN (ANALYZE, BUFFERS, TIMING) " + DispatchQuery.sqlStealingAcrossHosts,
                    [queueDepth, deadlineSeconds, stealAfter, acrossHostsAfter]
                ).map { try $0.string(0) }
            }
            print("EXPLAIN ANALYZE of the stealing statement with both tiers, every other host idle:")
            print(plan.joined(separator: "\n"))
        }
    }

    private static func make(_ fleet: Fleet, _ connection: PostgresConnection) throws {
        let idle: String
        switch fleet {
        case .asIs: return
        // Slots 2 and 4 of every host.
        case .idleSlots: idle = "assigned_slot % 2 = 0"
        // Hosts whose id ends in an even digit (BenchFleet numbers them).
        case .idleHosts: idle = "right(assigned_host, 1) IN ('0', '2', '4', '6', '8')"
        }
        try connection.simpleQuery("""
            UPDATE account_schedule SET next_sync_at = CASE WHEN \(idle) THEN now() + interval '1 hour'
                                                             ELSE now() - interval '10 minutes' END
            WHERE assigned_host IS NOT NULL
            """)
        try connection.simpleQuery("ANALYZE account_schedule")
    }

    private static func timed(
        _ pool: PostgresPool, fleet: Fleet, stealing: Stealing, queueDepth: Int, deadlineSeconds: Double, stealAfter: Double,
        acrossHostsAfter: Double
    ) async throws -> (Duration, (jobs: Int, stolen: Int, across: Int)) {
        try await pool.withConnection { connection in
            try connection.simpleQuery("BEGIN")
            defer { try? connection.simpleQuery("ROLLBACK") }
            try make(fleet, connection)
            let started = ContinuousClock.now
            // The statement at the default refill window, as the tick runs it (columns 13 and 14:
            // stolen, across hosts).
            let rows = switch stealing {
            case .off: try connection.query(DispatchQuery.sql, [queueDepth, deadlineSeconds])
            case .withinHosts: try connection.query(DispatchQuery.sqlStealing, [queueDepth, deadlineSeconds, stealAfter])
            case .acrossHosts:
                try connection.query(DispatchQuery.sqlStealingAcrossHosts, [queueDepth, deadlineSeconds, stealAfter, acrossHostsAfter])
            }
            let took = ContinuousClock.now - started
            return (took, (rows.count, try rows.count { try $0.bool(13) }, try rows.count { try $0.bool(14) }))
        }
    }
}
