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
        let snapshot = try await pool.withConnection { try Self.read($0, settings: settings, queue: false) }
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
    /// - Parameter queue: also count the accounts due and waiting and those with no slot,
    ///   which only `/admin/status` shows (the due count probes every slot).
    static func read(_ connection: PostgresConnection, settings: SyncSettings, queue: Bool = true) throws -> Snapshot {
        var snapshot = Snapshot()
        // Counted without reading the fleet: statuses from the counts a trigger keeps (migration
        // 0010), the rest from index entries of the few accounts counted (``ScheduleCounts``).
        for row in try connection.query("""
            SELECT status, sum(accounts) FROM account_status_counts GROUP BY status HAVING sum(accounts) > 0
            """) {
            snapshot.accounts[try row.string(0)] = try row.int(1)
        }
        snapshot.active = try connection.query("""
            SELECT coalesce(sum(accounts), 0) FROM account_status_counts WHERE status = 'active' AND is_active
            """)[0].int(0)
        let freshness = try ScheduleCounts.freshness(connection, staleAfter: settings.staleAfter)
        snapshot.stale = freshness.stale
        snapshot.oldestAge = freshness.oldestAge
        snapshot.oldestSuccessAge = freshness.oldestSuccessAge
        snapshot.neverSynced = freshness.neverSynced
        snapshot.inFlight = freshness.inFlight
        if queue {
            snapshot.due = try ScheduleCounts.dueAndWaiting(connection)
            snapshot.unplaced = try ScheduleCounts.unplaced(connection)
        }
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
        /// Active accounts due and waiting for dispatch (read with `queue` only).
        var due = 0
        /// Active accounts with no slot (read with `queue` only).
        var unplaced = 0

        /// Slots that take jobs: alive, on an active host.
        var usableSlots: Int { (slots["idle"] ?? 0) + (slots["busy"] ?? 0) }

    }
}
