import CoreMetrics
import Prometheus
import KlaroCore
import Testing

@testable import KlaroTelemetry

@Suite struct KlaroMetricsTests {
    private let build = BuildInfo(version: "1.2.3", revision: "abc1234", swiftVersion: "6.3")

    private func render(_ registry: PrometheusCollectorRegistry) -> String {
        registry.emitToString()
    }

    /// `# TYPE` lines of an exposition: family name → type.
    private func types(_ text: String) -> [String: String] {
        var types: [String: String] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ")
            types[String(parts[2])] = String(parts[3])
        }
        return types
    }

    @Test func catalogueRegistersEveryDesignMetricWithHelpAndType() {
        let registry = PrometheusCollectorRegistry()
        let metrics = KlaroMetrics(registry: registry, build: build)
        // Host-labelled families appear once a host is seen.
        metrics.syncs(outcome: .ok, host: "wh-01").increment()
        metrics.hostBusyRatio(host: "wh-01").set(to: 0.5)
        let text = render(registry)
        let expected: [String: String] = [
            "klaro_syncs_total": "counter",
            "klaro_host_syncs_total": "counter",
            "klaro_syncs_slow_total": "counter",
            "klaro_jobs_lost_total": "counter",
            "klaro_dispatch_steals_total": "counter",
            "klaro_dispatch_steals_across_hosts_total": "counter",
            "klaro_results_rejected_total": "counter",
            "klaro_placement_moves_total": "counter",
            "klaro_results_duplicate_total": "counter",
            "klaro_sync_duration_seconds": "histogram",
            "klaro_sync_queue_wait_seconds": "histogram",
            "klaro_sync_login_seconds": "histogram",
            "klaro_scheduler_tick_seconds": "histogram",
            "klaro_ingest_seconds": "histogram",
            "klaro_accounts": "gauge",
            "klaro_accounts_stale": "gauge",
            "klaro_account_oldest_success_age_seconds": "gauge",
            "klaro_slots": "gauge",
            "klaro_hosts": "gauge",
            "klaro_jobs_in_flight": "gauge",
            "klaro_scheduler_leader": "gauge",
            "klaro_fleet_demand_ratio": "gauge",
            "klaro_dependency_up": "gauge",
            "klaro_host_busy_ratio": "gauge",
            "klaro_build_info": "gauge",
            "klaro_sync_target_interval_seconds": "gauge",
            "klaro_sync_interval_seconds": "gauge",
            "klaro_sync_stretch_factor": "gauge",
            "klaro_sync_achieved_interval_seconds": "histogram",
            "klaro_sync_staleness_seconds": "gauge",
            "klaro_capacity_slots_needed": "gauge",
            "klaro_capacity_hosts_needed": "gauge",
        ]
        #expect(types(text) == expected)
        for name in expected.keys {
            #expect(text.contains("# HELP \(name) "), "\(name) has no HELP")
        }
    }

    @Test func enumLabelledSeriesExistAtZeroFromTheStart() {
        let registry = PrometheusCollectorRegistry()
        _ = KlaroMetrics(registry: registry, build: build)
        let text = render(registry)
        for reason in ResultRejectionReason.allCases {
            #expect(text.contains(#"klaro_results_rejected_total{reason="\#(reason.rawValue)"} 0"#))
        }
        for outcome in SyncOutcome.allCases {
            #expect(text.contains(#"klaro_syncs_total{outcome="\#(outcome.rawValue)"} 0"#))
        }
        for status in AccountStatusLabel.allCases {
            #expect(text.contains(#"klaro_accounts{status="\#(status.rawValue)"} 0.0"#))
        }
        for state in SlotStateLabel.allCases {
            #expect(text.contains(#"klaro_slots{state="\#(state.rawValue)"} 0.0"#))
        }
        for dependency in DependencyLabel.allCases {
            #expect(text.contains(#"klaro_dependency_up{dependency="\#(dependency.rawValue)"} 0.0"#))
        }
        #expect(text.contains(#"klaro_build_info{version="1.2.3",revision="abc1234",swift_version="6.3"} 1.0"#))
    }

    @Test func labelValuesAreTheDesignVocabulary() {
        #expect(SyncOutcome.allCases.map(\.rawValue) == [
            "ok", "auth_failed", "otp_required", "timeout", "ipc_error", "terminal_error", "lost", "seal_rejected",
            "wrong_account", "terminal_incompatible",
        ])
        #expect(SlotStateLabel.allCases.map(\.rawValue) == ["idle", "busy", "dead", "draining", "cordoned", "pending"])
        #expect(AccountStatusLabel.allCases.map(\.rawValue) == ["active", "auth_failed", "paused", "disabled"])
        #expect(DependencyLabel.allCases.map(\.rawValue) == ["postgres", "redis"])
        #expect(
            ResultRejectionReason.allCases.map(\.rawValue)
                == ["invalid_json", "schema", "unknown_job", "stale_fence", "wrong_slot", "account_mismatch", "late_result", "too_large"]
        )
    }

    @Test func everyDomainOutcomeIsCountedUnderItsOwnName() {
        let registry = PrometheusCollectorRegistry()
        let metrics = KlaroMetrics(registry: registry, build: build)
        for (index, outcome) in SyncOutcome.allCases.enumerated() {
            for _ in 0...index { metrics.syncs(outcome: outcome, host: "wh-01").increment() }
        }
        let text = render(registry)
        for (index, outcome) in SyncOutcome.allCases.enumerated() {
            #expect(text.contains(#"klaro_syncs_total{outcome="\#(outcome.rawValue)"} \#(index + 1)"#), "\(outcome)")
        }
        // Per host the outcomes are folded: ok is 1, lost the 7th outcome, the other 8 failed.
        let failed = (1...SyncOutcome.allCases.count).reduce(0, +) - 1 - 7
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-01",result="ok"} 1"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-01",result="lost"} 7"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-01",result="failed"} \#(failed)"#))
    }

    /// `ok + failed` are the syncs the worker timed (the denominator of the slow share), `lost`
    /// the ones with no result; every failure the worker reports, timeouts included, is `failed`.
    @Test func outcomesFoldToWhatAnOperatorDoesAboutAHost() {
        #expect(HostSyncResult.allCases.map(\.rawValue) == ["ok", "failed", "lost"])
        #expect(HostSyncResult(.ok) == .ok)
        #expect(HostSyncResult(.lost) == .lost)
        for outcome in SyncOutcome.allCases where outcome != .ok && outcome != .lost {
            #expect(HostSyncResult(outcome) == .failed, "\(outcome)")
        }
    }

    @Test func handlesRecordUnderTheirLabels() {
        let registry = PrometheusCollectorRegistry()
        let metrics = KlaroMetrics(registry: registry, build: build)
        metrics.syncs(outcome: .ok, host: "wh-01").increment()
        metrics.syncs(outcome: .ok, host: "wh-01").increment()
        metrics.syncs(outcome: .timeout, host: "wh-02").increment()
        metrics.resultsRejected(.staleFence).increment()
        metrics.placementMoves(.drain).increment(by: Int64(4))
        metrics.jobsLost.increment()
        metrics.accounts(.active).set(to: 1200)
        metrics.slots(.busy).set(to: 7)
        metrics.dependencyUp(.redis).set(to: 1)
        metrics.schedulerLeader.set(to: 1)
        metrics.syncDuration(host: "wh-01").record(seconds: 4.2)
        metrics.syncLogin.record(seconds: 0.3)
        let text = render(registry)
        #expect(text.contains(#"klaro_syncs_total{outcome="ok"} 2"#))
        #expect(text.contains(#"klaro_syncs_total{outcome="lost"} 0"#))
        #expect(text.contains(#"klaro_syncs_total{outcome="timeout"} 1"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-01",result="ok"} 2"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-01",result="lost"} 0"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-02",result="failed"} 1"#))
        #expect(text.contains(#"klaro_host_syncs_total{host="wh-02",result="ok"} 0"#))
        #expect(text.contains(#"klaro_results_rejected_total{reason="stale_fence"} 1"#))
        #expect(text.contains(#"klaro_placement_moves_total{reason="drain"} 4"#))
        #expect(text.contains("klaro_jobs_lost_total 1"))
        #expect(text.contains(#"klaro_accounts{status="active"} 1200.0"#))
        #expect(text.contains(#"klaro_slots{state="busy"} 7.0"#))
        #expect(text.contains(#"klaro_dependency_up{dependency="redis"} 1.0"#))
        #expect(text.contains("klaro_scheduler_leader 1.0"))
        #expect(text.contains(#"klaro_sync_duration_seconds_bucket{le="3.0"} 0"#))
        #expect(text.contains(#"klaro_sync_duration_seconds_bucket{le="5.0"} 1"#))
        #expect(text.contains(#"klaro_sync_duration_seconds_sum 4.2"#))
        #expect(text.contains(#"klaro_syncs_slow_total{host="wh-01"} 0"#))
        metrics.syncDuration(host: "wh-01").record(seconds: 31)
        #expect(render(registry).contains(#"klaro_syncs_slow_total{host="wh-01"} 1"#))
        #expect(text.contains(#"klaro_sync_login_seconds_bucket{le="0.5"} 1"#))
    }

    @Test func handlesAreCachedPerLabelSet() {
        let metrics = KlaroMetrics(registry: PrometheusCollectorRegistry(), build: build)
        #expect(metrics.syncs(outcome: .ok, host: "wh-01").host === metrics.syncs(outcome: .ok, host: "wh-01").host)
        #expect(metrics.syncs(outcome: .ok, host: "wh-01").host !== metrics.syncs(outcome: .ok, host: "wh-02").host)
        #expect(metrics.syncs(outcome: .ok, host: "wh-01").outcome === metrics.syncs(outcome: .ok, host: "wh-02").outcome)
        #expect(metrics.syncs(outcome: .ok, host: "wh-01").host !== metrics.syncs(outcome: .lost, host: "wh-01").host)
        #expect(metrics.syncs(outcome: .timeout, host: "wh-01").host === metrics.syncs(outcome: .ipcError, host: "wh-01").host)
        #expect(metrics.hostBusyRatio(host: "wh-01") === metrics.hostBusyRatio(host: "wh-01"))
        #expect(metrics.syncDuration(host: "wh-01").slow === metrics.syncDuration(host: "wh-01").slow)
        #expect(metrics.accounts(.paused) === metrics.accounts(.paused))
    }

    @Test func bucketsMatchTheDesign() {
        #expect(KlaroMetrics.syncSecondsBuckets == [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 45, 60, 90, 120])
        #expect(KlaroMetrics.fastSecondsBuckets.first == 0.001)
        #expect(KlaroMetrics.fastSecondsBuckets.last == 10)
        #expect(KlaroMetrics.fastSecondsBuckets == KlaroMetrics.fastSecondsBuckets.sorted())
        let registry = PrometheusCollectorRegistry()
        _ = KlaroMetrics(registry: registry, build: build)
        let text = render(registry)
        let tickBuckets = text.split(separator: "\n").filter { $0.hasPrefix("klaro_scheduler_tick_seconds_bucket") }
        #expect(tickBuckets.count == KlaroMetrics.fastSecondsBuckets.count + 1)
        let queueBuckets = text.split(separator: "\n").filter { $0.hasPrefix("klaro_sync_queue_wait_seconds_bucket") }
        #expect(queueBuckets.count == KlaroMetrics.syncSecondsBuckets.count + 1)
    }

    @Test func noLabelOutsideTheClosedSetIsEverExposed() {
        let registry = PrometheusCollectorRegistry()
        let metrics = KlaroMetrics(registry: registry, build: build)
        metrics.syncs(outcome: .authFailed, host: "wh-01").increment()
        metrics.hostBusyRatio(host: "wh-01").set(to: 0.25)
        let allowed: Set<String> = [
            "outcome", "host", "result", "reason", "status", "state", "dependency", "le", "version", "revision", "swift_version",
            "class", "percentile", "scale",
        ]
        for line in render(registry).split(separator: "\n") where !line.hasPrefix("#") {
            guard let open = line.firstIndex(of: "{"), let close = line.firstIndex(of: "}") else { continue }
            for pair in line[line.index(after: open)..<close].split(separator: ",") {
                let name = String(pair.prefix(while: { $0 != "=" }))
                #expect(allowed.contains(name), "unexpected label \(name) in \(line)")
            }
        }
    }

    @Test func bootstrapHappensOnceAndRoutesSwiftMetrics() {
        let first = MetricsBootstrap.bootstrap(build: build)
        let second = MetricsBootstrap.bootstrap(build: BuildInfo(version: "other", revision: "x"))
        #expect(first === second)
        CoreMetrics.Counter(label: "klaro_test_library_events_total").increment(by: 2)
        // A library's metric under klarod's name, with its HELP, straight from the registry.
        CoreMetrics.Counter(label: "hb.requests", dimensions: [("http.route", "/x")]).increment()
        CoreMetrics.Timer(label: "http.server.request.duration", dimensions: [("http.route", "/x")]).recordMilliseconds(3)
        let text = String(decoding: first.scrape(), as: UTF8.self)
        #expect(text.contains("klaro_test_library_events_total 2"))
        #expect(text.contains("# HELP klaro_http_requests_total HTTP requests answered, by route, method and status code."))
        #expect(text.contains(#"klaro_http_requests_total{http.route="/x"} 1"#) || text.contains(#"klaro_http_requests_total{http_route="/x"} 1"#))
        #expect(text.contains("# HELP klaro_http_request_duration_seconds Time to answer an HTTP request"))
        #expect(text.contains("# TYPE klaro_http_request_duration_seconds histogram"))
        #expect(MetricsBootstrap.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(text.contains(#"klaro_build_info{version="1.2.3""#))
        #expect(ProcessMetricsTests.sampleValues(text)["process_open_fds"].map { $0 > 0 } == true)
    }

    /// The exposition after `hosts` hosts' worth of activity: every outcome on every host,
    /// lost jobs, slow and fast syncs, busy ratios.
    private func exposition(hosts: Int, name: (Int) -> String = { "wh-\($0)" }) -> String {
        let bootstrap = MetricsBootstrap(build: build)
        let metrics = bootstrap.metrics
        for index in 0..<hosts {
            let host = name(index)
            for outcome in SyncOutcome.allCases { metrics.syncs(outcome: outcome, host: host).increment() }
            metrics.jobsLost.increment()
            metrics.syncDuration(host: host).record(seconds: 4)
            metrics.syncDuration(host: host).record(seconds: 95)
            metrics.hostBusyRatio(host: host).set(to: 0.5)
            for reason in PlacementMoveReason.allCases { metrics.placementMoves(reason).increment() }
        }
        return String(decoding: bootstrap.scrape(), as: UTF8.self)
    }

    /// klarod's series (sample lines of `klaro_*`), the process metrics left out.
    private func seriesCount(hosts: Int) -> Int {
        exposition(hosts: hosts).split(separator: "\n").count { $0.hasPrefix("klaro_") }
    }

    /// docs/observability.md: series = B + H × (R + 2), B = 216 host-independent series and
    /// R = 3 host results, whatever the hosts did.
    @Test func seriesGrowByAFixedNumberPerHost() {
        #expect(KlaroMetrics.seriesPerHost == HostSyncResult.allCases.count + 2)
        #expect(KlaroMetrics.seriesPerHost == 5)
        #expect(seriesCount(hosts: 0) == 216)
        for hosts in [3, 250] {
            #expect(seriesCount(hosts: hosts) == 216 + hosts * KlaroMetrics.seriesPerHost, "\(hosts) hosts")
        }
    }

    /// Issue 16's bound: `/metrics` (klarod's and the process series) under 100 KB at 250 hosts
    /// that have seen every outcome, with host ids as long as a fleet's usual names
    /// (docs/observability.md gives the bytes per host and per character of host id).
    @Test func metricsAt250HostsStayUnder100KB() {
        let text = exposition(hosts: 250) { "mt5-worker-" + String(10_000 + $0).dropFirst() }
        #expect(text.contains(#"klaro_host_syncs_total{host="mt5-worker-0249",result="lost"} 1"#))
        #expect(text.utf8.count < 100 * 1024, "\(text.utf8.count) bytes")
        print("/metrics at 250 hosts, every outcome seen: \(text.utf8.count) bytes; at 0 hosts: \(exposition(hosts: 0).utf8.count)")
    }
}
