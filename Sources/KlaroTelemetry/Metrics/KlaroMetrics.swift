import KlaroCore
import Prometheus
import Synchronization

/// Every klarod metric (DESIGN §10), registered once with its HELP text and base unit, and
/// handed out as typed handles so that call sites cannot misspell a name or pass a free-form
/// label.
///
/// Labels come from closed enums, or are host ids; never account ids. Series for the enum
/// labels exist from the start (at 0), so `rate()` and alerts see them before the first event.
/// Handles are cached: an enum-labelled handle is a dictionary read, a host-labelled one a
/// short lock plus a dictionary read, with no registry call after the first use.
public final class KlaroMetrics: Sendable {
    /// Buckets (seconds) for whole syncs, queue waits and MT5 logins: 0.25 s to 2 min.
    public static let syncSecondsBuckets: [Double] = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120]
    /// Buckets (seconds) for in-process work (a scheduler tick, ingesting one result): 1 ms to 10 s.
    public static let fastSecondsBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    /// Buckets (seconds) for the time between an account's syncs: 10 s to 4 h.
    public static let intervalSecondsBuckets: [Double] = [10, 30, 60, 120, 180, 300, 450, 600, 900, 1350, 1800, 2700, 3600, 5400, 7200, 14_400]
    /// Percentiles of `klaro_sync_staleness_seconds` (a gauge: the label is not `quantile`,
    /// which Prometheus keeps for summaries).
    public static let stalenessPercentiles = ["50", "95"]

    // MARK: Counters

    /// `klaro_jobs_lost_total`: jobs the rescuer declared lost (no result by deadline plus grace).
    public let jobsLost: Counter
    /// `klaro_dispatch_steals_total`: jobs dispatched to an idle slot instead of the busy slot
    /// the account is assigned to (work stealing, issue 13), of its host or another.
    public let dispatchSteals: Counter
    /// `klaro_dispatch_steals_across_hosts_total`: of them, those dispatched to another host
    /// (work stealing's second tier).
    public let dispatchStealsAcrossHosts: Counter
    /// `klaro_results_duplicate_total`: results ingested again (at-least-once delivery) that changed nothing.
    public let resultsDuplicate: Counter

    // MARK: Histograms

    /// `klaro_sync_queue_wait_seconds`: from dispatch until a worker started the job.
    public let syncQueueWait: SecondsHistogram
    /// `klaro_sync_login_seconds`: MT5 `login()` time reported by the worker.
    public let syncLogin: SecondsHistogram
    /// `klaro_scheduler_tick_seconds`: one scheduler tick.
    public let schedulerTick: SecondsHistogram
    /// `klaro_ingest_seconds`: validating and storing one result.
    public let ingest: SecondsHistogram

    // MARK: Gauges

    /// `klaro_accounts_stale`: active accounts whose last success is older than they should be.
    public let accountsStale: Gauge
    /// `klaro_account_oldest_success_age_seconds`: age of the oldest last success among active accounts.
    public let accountOldestSuccessAge: Gauge
    /// `klaro_jobs_in_flight`: jobs dispatched and not yet finished.
    public let jobsInFlight: Gauge
    /// `klaro_scheduler_leader`: 1 on the replica holding the scheduler lock, else 0.
    public let schedulerLeader: Gauge
    /// `klaro_fleet_demand_ratio`: slot-seconds needed per interval ÷ slot-seconds available.
    public let fleetDemandRatio: Gauge

    private let registry: PrometheusCollectorRegistry
    private let rejected: [ResultRejectionReason: Counter]
    private let moves: [PlacementMoveReason: Counter]
    private let syncsByOutcome: [SyncOutcome: Counter]
    private let accountsByStatus: [AccountStatusLabel: Gauge]
    private let slotsByState: [SlotStateLabel: Gauge]
    private let hostsByState: [HostStateLabel: Gauge]
    private let dependencies: [DependencyLabel: Gauge]
    private let schedule: ScheduleSeries
    private let syncSeriesByHost = Mutex<[String: HostSyncSeries]>([:])
    private let busyRatioByHost = Mutex<[String: Gauge]>([:])

    private let syncDurationAll: SecondsHistogram

    /// The series of one host: `klaro_host_syncs_total` by result and `klaro_syncs_slow_total`.
    /// Nothing else is kept per host (no histogram, no outcome), so `/metrics` grows by
    /// ``seriesPerHost`` series per host (docs/observability.md).
    private struct HostSyncSeries: Sendable {
        let syncs: [HostSyncResult: Counter]
        let slow: Counter
    }

    /// The adaptive schedule's series (issue 13): a fixed set, three classes and four scales.
    private struct ScheduleSeries: Sendable {
        let targets: [SyncClass: Gauge], intervals: [SyncClass: Gauge], stretch: [SyncClass: Gauge]
        let achieved: [SyncClass: SecondsHistogram]
        let staleness: [SyncClass: [String: Gauge]]
        let slotsNeeded: [Int: Gauge], hostsNeeded: [Int: Gauge]
    }

    /// Series one worker host adds to the exposition once it has synced and been reported:
    /// one `klaro_host_syncs_total` per result, `klaro_syncs_slow_total`, `klaro_host_busy_ratio`.
    public static let seriesPerHost = HostSyncResult.allCases.count + 2

    /// Seconds beyond which a sync counts as slow (`klaro_syncs_slow_total`): the latency
    /// budget of the KlaroSyncLatencyHigh alert, and a bucket boundary of the duration histogram.
    public static let slowSyncSeconds = 30.0

    /// Registers every metric with `registry`, and sets `klaro_build_info` from `build`.
    public init(registry: PrometheusCollectorRegistry, build: BuildInfo) {
        self.registry = registry

        jobsLost = registry.makeCounter(descriptor: Descriptors.jobsLost)
        dispatchSteals = registry.makeCounter(descriptor: Descriptors.dispatchSteals)
        dispatchStealsAcrossHosts = registry.makeCounter(descriptor: Descriptors.dispatchStealsAcrossHosts)
        resultsDuplicate = registry.makeCounter(descriptor: Descriptors.resultsDuplicate)
        rejected = Self.byLabel(ResultRejectionReason.allCases) {
            registry.makeCounter(descriptor: Descriptors.resultsRejected, labels: [("reason", $0.rawValue)])
        }
        syncsByOutcome = Self.byLabel(SyncOutcome.allCases) {
            registry.makeCounter(descriptor: Descriptors.syncs, labels: [("outcome", $0.rawValue)])
        }
        moves = Self.byLabel(PlacementMoveReason.allCases) {
            registry.makeCounter(descriptor: Descriptors.placementMoves, labels: [("reason", $0.rawValue)])
        }

        syncDurationAll = SecondsHistogram(
            histogram: registry.makeValueHistogram(descriptor: Descriptors.syncDuration, buckets: Self.syncSecondsBuckets)
        )
        syncQueueWait = SecondsHistogram(
            histogram: registry.makeValueHistogram(descriptor: Descriptors.syncQueueWait, buckets: Self.syncSecondsBuckets)
        )
        syncLogin = SecondsHistogram(
            histogram: registry.makeValueHistogram(descriptor: Descriptors.syncLogin, buckets: Self.syncSecondsBuckets)
        )
        schedulerTick = SecondsHistogram(
            histogram: registry.makeValueHistogram(descriptor: Descriptors.schedulerTick, buckets: Self.fastSecondsBuckets)
        )
        ingest = SecondsHistogram(
            histogram: registry.makeValueHistogram(descriptor: Descriptors.ingest, buckets: Self.fastSecondsBuckets)
        )

        accountsStale = registry.makeGauge(descriptor: Descriptors.accountsStale)
        accountOldestSuccessAge = registry.makeGauge(descriptor: Descriptors.accountOldestSuccessAge)
        jobsInFlight = registry.makeGauge(descriptor: Descriptors.jobsInFlight)
        schedulerLeader = registry.makeGauge(descriptor: Descriptors.schedulerLeader)
        fleetDemandRatio = registry.makeGauge(descriptor: Descriptors.fleetDemandRatio)
        accountsByStatus = Self.byLabel(AccountStatusLabel.allCases) {
            registry.makeGauge(descriptor: Descriptors.accounts, labels: [("status", $0.rawValue)])
        }
        slotsByState = Self.byLabel(SlotStateLabel.allCases) {
            registry.makeGauge(descriptor: Descriptors.slots, labels: [("state", $0.rawValue)])
        }
        hostsByState = Self.byLabel(HostStateLabel.allCases) {
            registry.makeGauge(descriptor: Descriptors.hosts, labels: [("state", $0.rawValue)])
        }
        dependencies = Self.byLabel(DependencyLabel.allCases) {
            registry.makeGauge(descriptor: Descriptors.dependencyUp, labels: [("dependency", $0.rawValue)])
        }

        let classes = SyncClass.allCases
        schedule = ScheduleSeries(
            targets: Self.byLabel(classes) {
                registry.makeGauge(descriptor: Descriptors.syncTargetInterval, labels: [("class", $0.rawValue)])
            },
            intervals: Self.byLabel(classes) {
                registry.makeGauge(descriptor: Descriptors.syncInterval, labels: [("class", $0.rawValue)])
            },
            stretch: Self.byLabel(classes) {
                registry.makeGauge(descriptor: Descriptors.syncStretch, labels: [("class", $0.rawValue)])
            },
            achieved: Self.byLabel(classes) {
                SecondsHistogram(histogram: registry.makeValueHistogram(
                    descriptor: Descriptors.syncAchievedInterval, labels: [("class", $0.rawValue)],
                    buckets: Self.intervalSecondsBuckets))
            },
            staleness: Self.byLabel(classes) { syncClass in
                Self.byLabel(Self.stalenessPercentiles) {
                    registry.makeGauge(
                        descriptor: Descriptors.syncStaleness, labels: [("class", syncClass.rawValue), ("percentile", $0)])
                }
            },
            slotsNeeded: Self.byLabel(CapacityPlan.scales) {
                registry.makeGauge(descriptor: Descriptors.capacitySlotsNeeded, labels: [("scale", "\($0)x")])
            },
            hostsNeeded: Self.byLabel(CapacityPlan.scales) {
                registry.makeGauge(descriptor: Descriptors.capacityHostsNeeded, labels: [("scale", "\($0)x")])
            }
        )

        registry.makeGauge(
            descriptor: Descriptors.buildInfo,
            labels: [("version", build.version), ("revision", build.revision), ("swift_version", build.swiftVersion)]
        ).set(to: 1)
    }

    // MARK: Labelled handles

    /// A finished sync of `host`: `klaro_syncs_total{outcome}` (fleet-wide) and
    /// `klaro_host_syncs_total{host,result}` with the outcome's ``HostSyncResult``.
    public func syncs(outcome: SyncOutcome, host: String) -> SyncCount {
        // Every result of a host is created together, so the lookup cannot miss.
        SyncCount(outcome: syncsByOutcome[outcome]!, host: syncSeries(host: host).syncs[HostSyncResult(outcome)]!)
    }

    /// Records a sync's worker-side duration: `klaro_sync_duration_seconds` (all hosts
    /// together) and, beyond ``slowSyncSeconds``, `klaro_syncs_slow_total{host}`.
    public func syncDuration(host: String) -> HostSyncDuration {
        HostSyncDuration(histogram: syncDurationAll, slow: syncSeries(host: host).slow)
    }

    /// `klaro_results_rejected_total{reason}`: results dead-lettered by the ingestor.
    public func resultsRejected(_ reason: ResultRejectionReason) -> Counter {
        rejected[reason]!
    }

    /// `klaro_placement_moves_total{reason}`: accounts moved to another slot.
    public func placementMoves(_ reason: PlacementMoveReason) -> Counter {
        moves[reason]!
    }

    /// `klaro_accounts{status}`: accounts by status.
    public func accounts(_ status: AccountStatusLabel) -> Gauge {
        accountsByStatus[status]!
    }

    /// `klaro_hosts{state}`: worker hosts by state.
    public func hosts(_ state: HostStateLabel) -> Gauge {
        hostsByState[state]!
    }

    /// `klaro_slots{state}`: terminal slots by state.
    public func slots(_ state: SlotStateLabel) -> Gauge {
        slotsByState[state]!
    }

    /// `klaro_dependency_up{dependency}`: 1 when the dependency answered its last check.
    public func dependencyUp(_ dependency: DependencyLabel) -> Gauge {
        dependencies[dependency]!
    }

    /// `klaro_host_busy_ratio{host}`: busy slots ÷ live slots of a worker host.
    public func hostBusyRatio(host: String) -> Gauge {
        busyRatioByHost.withLock { gauges in
            if let gauge = gauges[host] { return gauge }
            let gauge = registry.makeGauge(descriptor: Descriptors.hostBusyRatio, labels: [("host", host)])
            gauges[host] = gauge
            return gauge
        }
    }

    /// `klaro_sync_target_interval_seconds{class}`.
    public func syncTargetInterval(_ syncClass: SyncClass) -> Gauge { schedule.targets[syncClass]! }

    /// `klaro_sync_interval_seconds{class}`: the effective interval, target × stretch.
    public func syncInterval(_ syncClass: SyncClass) -> Gauge { schedule.intervals[syncClass]! }

    /// `klaro_sync_stretch_factor{class}`.
    public func syncStretch(_ syncClass: SyncClass) -> Gauge { schedule.stretch[syncClass]! }

    /// `klaro_sync_achieved_interval_seconds{class}`: observed at each success after the first.
    public func syncAchievedInterval(_ syncClass: SyncClass) -> SecondsHistogram { schedule.achieved[syncClass]! }

    /// `klaro_sync_staleness_seconds{class,percentile}`; `percentile` is one of ``stalenessPercentiles``.
    public func syncStaleness(_ syncClass: SyncClass, percentile: String) -> Gauge? { schedule.staleness[syncClass]?[percentile] }

    /// `klaro_capacity_slots_needed{scale}` for a scale of ``CapacityPlan/scales`` (nil otherwise).
    public func capacitySlotsNeeded(scale: Int) -> Gauge? { schedule.slotsNeeded[scale] }

    /// `klaro_capacity_hosts_needed{scale}`.
    public func capacityHostsNeeded(scale: Int) -> Gauge? { schedule.hostsNeeded[scale] }

    // MARK: Private

    private func syncSeries(host: String) -> HostSyncSeries {
        syncSeriesByHost.withLock { seriesByHost in
            if let series = seriesByHost[host] { return series }
            let series = HostSyncSeries(
                syncs: Self.byLabel(HostSyncResult.allCases) {
                    registry.makeCounter(descriptor: Descriptors.hostSyncs, labels: [("host", host), ("result", $0.rawValue)])
                },
                slow: registry.makeCounter(descriptor: Descriptors.syncsSlow, labels: [("host", host)])
            )
            seriesByHost[host] = series
            return series
        }
    }

    private static func byLabel<Label: Hashable, Handle>(_ labels: [Label], _ make: (Label) -> Handle) -> [Label: Handle] {
        Dictionary(uniqueKeysWithValues: labels.map { ($0, make($0)) })
    }
}

/// One finished sync's counters: the fleet-wide outcome and the host's result.
public struct SyncCount: Sendable {
    let outcome: Counter
    let host: Counter

    /// Counts one sync in both.
    public func increment() {
        outcome.increment()
        host.increment()
    }
}

/// The duration of one host's syncs: the fleet-wide histogram plus the host's slow count.
public struct HostSyncDuration: Sendable {
    let histogram: SecondsHistogram
    let slow: Counter

    /// Records a duration given in seconds.
    public func record(seconds: Double) {
        histogram.record(seconds: seconds)
        if seconds > KlaroMetrics.slowSyncSeconds { slow.increment() }
    }
}
