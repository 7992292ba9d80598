import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle

/// Adapts the sync intervals to the fleet (issue 13, docs/scheduling.md), on the leader. Every
/// round the active accounts' load by class and the live slots give ``SyncPolicy``'s stretch;
/// its factors go to `sync_class_stretch`, where every replica's ingest reads them to set an
/// account's next sync (``SyncStretchTable``). When a class gets faster again, its accounts
/// waiting longer than the new interval are brought in, so the targets return with the load
/// rather than one long interval later.
public final class SyncPolicyController: Service, Sendable {
    private let pool: PostgresPool
    private let leadership: LeaderElection
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration

    public init(
        pool: PostgresPool, leadership: LeaderElection, settings: SyncSettings, metrics: KlaroMetrics, logger: Logger,
        interval: Duration = .seconds(15)
    ) {
        self.pool = pool
        self.leadership = leadership
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await leadership.everyRound(interval, logger: logger, failure: "sync policy not updated") {
            try await adapt()
        }
    }

    /// Computes the stretch for the fleet as it is now, stores it if it changed, and updates
    /// the schedule's gauges.
    @discardableResult
    public func adapt() async throws -> SyncStretch {
        let policy = settings.policy
        let byPlan = !policy.planTargets.isEmpty
        let (loads, slots, stored) = try await pool.withConnection { connection in
            (try CapacityQuery.loads(connection, byPlan: byPlan), try CapacityQuery.liveSlots(connection),
             try SyncStretchTable.read(connection))
        }
        let stretch = policy.stretch(loads: loads, slots: slots)
        try await pool.withConnection { connection in try FleetDemandTable.write(stretch, connection: connection) }
        let factors = SyncStretchTable.rounded(stretch)
        let changed = SyncClass.allCases.filter { factors[$0] != stored[$0] }
        if !changed.isEmpty {
            let faster = changed.filter { factors[$0]! < stored[$0] ?? 1 }
            let pulled = try await pool.transaction { connection in
                try SyncStretchTable.write(factors, connection: connection)
                return try faster.reduce(0) { sum, syncClass in
                    sum + (try Self.pullForward(syncClass, interval: policy.target(syncClass) * factors[syncClass]!,
                                                lead: policy.deadlineLead[syncClass] ?? 0, connection: connection))
                }
            }
            var metadata: Logger.Metadata = ["demand_ratio": "\(String(format: "%.2f", stretch.demandRatio))", "live_slots": "\(slots)"]
            for syncClass in SyncClass.allCases { metadata["\(syncClass.rawValue)_stretch"] = "\(factors[syncClass]!)" }
            if pulled > 0 { metadata["accounts_brought_forward"] = "\(pulled)" }
            logger.notice(stretch.isStretched ? "sync intervals stretched: the fleet is short of slots" : "sync intervals back on target",
                          metadata: metadata)
        }
        try await report(stretch, loads: loads, policy: policy)
        return stretch
    }

    /// Brings in the accounts of `syncClass` due later than one `interval` after their last
    /// success, and their staleness deadline with them (`SyncPolicy.stalenessDeadline` under the
    /// new interval, early by the class's `lead` share). Rows being dispatched or completed are
    /// skipped: they get their next sync from the new factor anyway.
    static func pullForward(_ syncClass: SyncClass, interval: TimeInterval, lead: Double, connection: PostgresConnection) throws -> Int {
        try connection.execute("""
            UPDATE account_schedule s
            SET next_sync_at = greatest(now(), coalesce(s.last_success_at, now()) + make_interval(secs => $2::float8)),
                staleness_deadline = least(s.staleness_deadline, s.last_success_at + make_interval(secs => $3::float8))
            WHERE s.account_id IN (
                SELECT account_id FROM account_schedule
                WHERE sync_class = $1 AND status = 'active' AND is_active AND inflight_job_id IS NULL
                  AND next_sync_at > greatest(now(), coalesce(last_success_at, now()) + make_interval(secs => $2::float8))
                FOR UPDATE SKIP LOCKED
            )
            """, [syncClass.rawValue, interval, interval * (1 - lead)])
    }

    /// Median and 95th percentile of the time since each active account's last success (or
    /// creation) per class: a class's accounts not in flight from `account_schedule_freshness`
    /// (index-only, in class order: no sort of the fleet), those in flight once through
    /// `account_schedule_inflight` (migration 0024; a pass over the table's rows before).
    static let stalenessSQL = """
        WITH flying AS MATERIALIZED (
            SELECT sync_class, coalesce(last_success_at, created_at) AS since FROM account_schedule
            WHERE inflight_job_id IS NOT NULL AND status = 'active' AND is_active
        )
        SELECT c.sync_class, p.median, p.p95
        FROM unnest($1::text[]) AS c(sync_class),
        LATERAL (
            SELECT count(*) AS accounts,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM now() - since)) AS median,
                   percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM now() - since)) AS p95
            FROM (SELECT coalesce(s.last_success_at, s.created_at) AS since FROM account_schedule s
                  WHERE s.sync_class = c.sync_class AND s.status = 'active' AND s.is_active AND s.inflight_job_id IS NULL
                  UNION ALL
                  SELECT f.since FROM flying f WHERE f.sync_class = c.sync_class) a
        ) p
        WHERE p.accounts > 0
        """

    /// The schedule's gauges: targets, effective intervals and stretch per class, staleness
    /// quantiles per class, and the slots and hosts needed at 1×–10× (the demand ratio is the
    /// status reporter's, on every replica, from the row ``FleetDemandTable`` keeps).
    private func report(_ stretch: SyncStretch, loads: [SyncLoad], policy: SyncPolicy) async throws {
        for syncClass in SyncClass.allCases {
            metrics.syncTargetInterval(syncClass).set(policy.target(syncClass))
            metrics.syncInterval(syncClass).set(policy.interval(syncClass, stretch: stretch))
            metrics.syncStretch(syncClass).set(stretch.factor(syncClass))
        }
        if let plan = try? CapacityPlan(loads: loads, policy: policy, targetUtilisation: policy.targetUtilisation) {
            for row in plan.rows {
                metrics.capacitySlotsNeeded(scale: row.scale)?.set(Double(row.slots))
                metrics.capacityHostsNeeded(scale: row.scale)?.set(Double(row.hosts))
            }
        }
        let staleness = try await pool.withConnection { connection in
            try connection.query(Self.stalenessSQL, [SyncClass.allCases.map(\.rawValue)])
                .map { (try $0.string(0), try $0.double(1), try $0.double(2)) }
        }
        var seen: Set<SyncClass> = []
        for (name, median, p95) in staleness {
            guard let syncClass = SyncClass(rawValue: name) else { continue }
            seen.insert(syncClass)
            metrics.syncStaleness(syncClass, percentile: "50")?.set(median)
            metrics.syncStaleness(syncClass, percentile: "95")?.set(p95)
        }
        for syncClass in SyncClass.allCases where !seen.contains(syncClass) {
            for percentile in KlaroMetrics.stalenessPercentiles { metrics.syncStaleness(syncClass, percentile: percentile)?.set(0.0) }
        }
    }
}

/// `sync_class_stretch`: the policy's current factor per class, written by the leader's
/// ``SyncPolicyController`` and read by every replica's ingest.
enum SyncStretchTable {
    /// Factors kept to two decimals, so that a sync time moving by a few milliseconds does not
    /// rewrite the table (or bring accounts forward) every round.
    static func rounded(_ stretch: SyncStretch) -> [SyncClass: Double] {
        Dictionary(uniqueKeysWithValues: SyncClass.allCases.map { ($0, max(1, (stretch.factor($0) * 100).rounded() / 100)) })
    }

    /// The stored factors; 1 for a class without a row.
    static func read(_ connection: PostgresConnection) throws -> [SyncClass: Double] {
        var factors = Dictionary(uniqueKeysWithValues: SyncClass.allCases.map { ($0, 1.0) })
        for row in try connection.query("SELECT sync_class, factor FROM sync_class_stretch") {
            if let syncClass = SyncClass(rawValue: try row.string(0)) { factors[syncClass] = try row.double(1) }
        }
        return factors
    }

    static func write(_ factors: [SyncClass: Double], connection: PostgresConnection) throws {
        let classes = SyncClass.allCases
        try connection.execute("""
            INSERT INTO sync_class_stretch (sync_class, factor, updated_at)
            SELECT * , now() FROM unnest($1::text[], $2::float8[])
            ON CONFLICT (sync_class) DO UPDATE SET factor = excluded.factor, updated_at = now()
            """, [classes.map(\.rawValue), classes.map { factors[$0] ?? 1 }])
    }
}

/// `sync_fleet_demand` (migration 0013): the demand at the classes' targets and the live slots
/// the leader's ``SyncPolicyController`` last computed, so that `klaro_fleet_demand_ratio` and
/// `/admin/status` cost one row, not a pass over every active account, on every replica.
enum FleetDemandTable {
    static func write(_ stretch: SyncStretch, connection: PostgresConnection) throws {
        try connection.execute("""
            UPDATE sync_fleet_demand SET demand_at_targets = $1, live_slots = $2, updated_at = now()
            """, [stretch.demandAtTargets, stretch.slots])
    }

    /// Demand at targets ÷ live slots, as ``SyncStretch/demandRatio``; without a live slot the
    /// busy slots needed, so any work reads as over capacity. 0 before the leader's first round.
    static func demandRatio(_ connection: PostgresConnection) throws -> Double {
        guard let row = try connection.query("SELECT demand_at_targets, live_slots FROM sync_fleet_demand").first else { return 0 }
        let demand = try row.double(0), slots = try row.int(1)
        return slots > 0 ? demand / Double(slots) : demand
    }
}
