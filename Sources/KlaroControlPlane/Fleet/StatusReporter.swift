import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle

/// Keeps the state gauges current (DESIGN §10): accounts by status, stale accounts and the
/// oldest success, jobs in flight, slots by state, per-host busy ratio, and the fleet's demand
/// ratio. Every replica reports the same database-wide values; dashboards take `max`.
public final class StatusReporter: Service, Sendable {
    private let pool: PostgresPool
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration

    public init(pool: PostgresPool, settings: SyncSettings, metrics: KlaroMetrics, logger: Logger, interval: Duration = .seconds(5)) {
        self.pool = pool
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        while !isStopping {
            do {
                try await report()
            } catch {
                logger.debug("status gauges not updated", metadata: ["error": "\(error)"])
            }
            await pause(for: interval)
        }
    }

    public func report() async throws {
        let settings = self.settings
        let snapshot = try await pool.withConnection { try Self.read($0, settings: settings) }
        for status in AccountStatusLabel.allCases {
            metrics.accounts(status).set(Double(snapshot.accounts[status.rawValue] ?? 0))
        }
        metrics.accountsStale.set(Double(snapshot.stale))
        metrics.accountOldestSuccessAge.set(snapshot.oldestAge)
        metrics.jobsInFlight.set(Double(snapshot.inFlight))
        for state in SlotStateLabel.allCases {
            metrics.slots(state).set(Double(snapshot.slots[state.rawValue] ?? 0))
        }
        for state in HostStateLabel.allCases {
            metrics.hosts(state).set(Double(snapshot.hosts[state.rawValue] ?? 0))
        }
        for (host, ratio) in snapshot.busy {
            metrics.hostBusyRatio(host: host).set(ratio)
        }
        metrics.fleetDemandRatio.set(snapshot.demandRatio)
    }

    /// The database-wide state behind the gauges (also `GET /admin/status`).
    static func read(_ connection: PostgresConnection, settings: SyncSettings) throws -> Snapshot {
        var snapshot = Snapshot()
        // Counted without reading the fleet (migration 0010): statuses from the counts a trigger
        // keeps, the rest from partial indexes of the narrow schedule rows, whose entries are
        // the few stale, never-synced, unplaced or in-flight accounts (or one per active
        // account for the minimum and the due count, index-only).
        for row in try connection.query("""
            SELECT status, sum(accounts) FROM account_status_counts GROUP BY status HAVING sum(accounts) > 0
            """) {
            snapshot.accounts[try row.string(0)] = try row.int(1)
        }
        // account_schedule_fresh holds the synced accounts not in flight (migration 0019: the
        // dispatch tick writes no entry there); those in flight come from account_schedule_inflight.
        let staleness = try connection.query("""
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
            """, [settings.staleAfter])[0]
        snapshot.stale = try staleness.int(0)
        snapshot.oldestAge = try staleness.double(1)
        snapshot.inFlight = try staleness.int(2)
        snapshot.active = try staleness.int(3)
        snapshot.due = try staleness.int(4)
        snapshot.unplaced = try staleness.int(5)
        snapshot.oldestSuccessAge = try staleness.doubleOrNil(6)
        snapshot.neverSynced = try staleness.int(7)
        for row in try connection.query("""
            SELECT CASE WHEN h.admin_state IN ('pending', 'refused') THEN 'pending'
                        WHEN s.state = 'dead' THEN 'dead'
                        WHEN h.admin_state IN ('draining', 'cordoned') THEN h.admin_state
                        ELSE s.state END, count(*)
            FROM terminal_slots s JOIN worker_hosts h ON h.host_id = s.host_id GROUP BY 1
            """) {
            snapshot.slots[try row.string(0)] = try row.int(1)
        }
        // Hosts by state; an admitted host with no live slot counts as dead.
        for row in try connection.query("""
            SELECT CASE WHEN h.admin_state IN ('active', 'draining', 'cordoned')
                         AND NOT EXISTS (SELECT 1 FROM terminal_slots s WHERE s.host_id = h.host_id AND s.state <> 'dead')
                        THEN 'dead' ELSE h.admin_state END, count(*)
            FROM worker_hosts h GROUP BY 1
            """) {
            snapshot.hosts[try row.string(0)] = try row.int(1)
        }
        // A host whose slots all died reports 0, not the last ratio it had.
        for row in try connection.query("""
            SELECT host_id, coalesce(avg(CASE WHEN state = 'busy' THEN 1.0 ELSE 0.0 END) FILTER (WHERE state <> 'dead'), 0)
            FROM terminal_slots GROUP BY host_id
            """) {
            snapshot.busy[try row.string(0)] = try row.double(1)
        }
        // Demand at the classes' targets over live slots, as the leader's sync policy last
        // computed it (every 15 s): one row, no pass over the accounts.
        snapshot.demandRatio = try FleetDemandTable.demandRatio(connection)
        return snapshot
    }

    struct Snapshot: Sendable {
        var accounts: [String: Int] = [:]
        var stale = 0
        /// Age of the oldest last success, or the creation of an account that never succeeded
        /// (the gauge: a never-synced account grows stale like any other).
        var oldestAge = 0.0
        /// Age of the oldest last success among accounts that have one; nil when none has.
        var oldestSuccessAge: Double?
        /// Active accounts that never synced successfully.
        var neverSynced = 0
        var inFlight = 0
        var active = 0
        var slots: [String: Int] = [:]
        var hosts: [String: Int] = [:]
        var busy: [String: Double] = [:]
        /// Busy slots needed at the classes' targets ÷ live slots (without a live slot: the
        /// busy slots needed, so any work reads as over capacity).
        var demandRatio = 0.0
        /// Active accounts due and waiting for dispatch.
        var due = 0
        /// Active accounts with no slot.
        var unplaced = 0

        /// Slots that take jobs: alive, on an active host.
        var usableSlots: Int { (slots["idle"] ?? 0) + (slots["busy"] ?? 0) }

    }
}
