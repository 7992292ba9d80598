import Prometheus
import Testing

@testable import KlaroTelemetry

@Suite struct MetricsExpositionTests {
    /// A registry holding each metric kind, with known values.
    private func sampleRegistry() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        let events = MetricNameDescriptor(metricName: "test_events", unitName: "total", helpText: #"Events seen, "quoted" and \ slashed."#)
        registry.makeCounter(descriptor: events, labels: [("kind", "a")]).increment(by: Int64(3))
        registry.makeCounter(descriptor: events, labels: [("kind", "b\"q")]).increment(by: Int64(1))
        registry.makeCounter(descriptor: .init(metricName: "test_plain_counter", unitName: "", helpText: "A counter named without _total."))
            .increment(by: Int64(2))
        registry.makeGauge(descriptor: .init(metricName: "test_temperature", unitName: "", helpText: "A gauge.")).set(to: 21.5)
        registry.makeGauge(descriptor: .init(metricName: "test_limit", unitName: "", helpText: "An infinite gauge.")).set(to: .infinity)
        let latency = registry.makeValueHistogram(
            descriptor: .init(metricName: "test_latency", unitName: "seconds", helpText: "A histogram."),
            buckets: [0.1, 1, 10]
        )
        for value in [0.0625, 0.5, 0.75, 5, 50] {  // exact in binary, so the sum is exact
            latency.record(value)
        }
        return registry
    }

    private func lines(_ registry: PrometheusCollectorRegistry, _ format: ExpositionFormat) -> [String] {
        let text = String(decoding: MetricsExposition.render(registry: registry, format: format), as: UTF8.self)
        #expect(text.hasSuffix("\n"))
        return text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    @Test func prometheusTextHasSortedFamiliesWithHelpTypeAndSamples() {
        let output = lines(sampleRegistry(), .prometheusText)
        let typeLines = output.filter { $0.hasPrefix("# TYPE ") }
        #expect(
            typeLines == [
                "# TYPE test_events_total counter",
                "# TYPE test_latency_seconds histogram",
                "# TYPE test_limit gauge",
                "# TYPE test_plain_counter counter",
                "# TYPE test_temperature gauge",
            ]
        )
        #expect(output.contains(#"# HELP test_events_total Events seen, "quoted" and \\ slashed."#))
        #expect(output.contains(#"test_events_total{kind="a"} 3"#))
        #expect(output.contains(#"test_events_total{kind="b\"q"} 1"#))
        #expect(output.contains("test_plain_counter 2"))
        #expect(output.contains("test_temperature 21.5"))
        #expect(output.contains("test_limit +Inf"))
        #expect(!output.contains { $0.hasPrefix("# EOF") || $0.hasPrefix("# UNIT") })
        // Every sample follows its family's TYPE line.
        var family = ""
        for line in output {
            if line.hasPrefix("# TYPE ") {
                family = String(line.split(separator: " ")[2])
            } else if !line.hasPrefix("#") {
                #expect(line.hasPrefix(family), "\(line) outside its family \(family)")
            }
        }
    }

    @Test func histogramBucketsAreCumulative() {
        let output = lines(sampleRegistry(), .prometheusText)
        #expect(output.contains(#"test_latency_seconds_bucket{le="0.1"} 1"#))
        #expect(output.contains(#"test_latency_seconds_bucket{le="1.0"} 3"#))
        #expect(output.contains(#"test_latency_seconds_bucket{le="10.0"} 4"#))
        #expect(output.contains(#"test_latency_seconds_bucket{le="+Inf"} 5"#))
        #expect(output.contains("test_latency_seconds_count 5"))
        #expect(output.contains("test_latency_seconds_sum 56.3125"))
    }

    @Test func openMetricsNamesCounterFamiliesWithoutTotalAndEndsWithEOF() {
        let output = lines(sampleRegistry(), .openMetrics)
        #expect(output.last == "# EOF")
        #expect(output.filter { $0 == "# EOF" }.count == 1)
        #expect(output.contains("# TYPE test_events counter"))
        #expect(output.contains("# TYPE test_plain_counter counter"))
        let metadataNames = output.filter { $0.hasPrefix("# TYPE") || $0.hasPrefix("# HELP") }.map { $0.split(separator: " ")[2] }
        #expect(!metadataNames.isEmpty)
        #expect(!metadataNames.contains { $0.hasSuffix("_total") })
        #expect(output.contains(#"# HELP test_events Events seen, \"quoted\" and \\ slashed."#))
        #expect(output.contains(#"test_events_total{kind="a"} 3"#))
        #expect(output.contains("test_plain_counter_total 2"), "OpenMetrics counter samples must end in _total")
        #expect(output.contains("# TYPE test_latency_seconds histogram"))
        #expect(output.contains("# UNIT test_latency_seconds seconds"))
        #expect(output.contains(#"test_latency_seconds_bucket{le="+Inf"} 5"#))
        #expect(output.contains("test_temperature 21.5"))
        #expect(output.contains("test_limit +Inf"))
    }

    @Test func openMetricsMetadataPrecedesEachFamilysSamples() {
        var seenFamilies: Set<String> = []
        var current = ""
        for line in lines(sampleRegistry(), .openMetrics) where line != "# EOF" {
            if line.hasPrefix("# ") {
                let name = String(line.split(separator: " ")[2])
                if name != current {
                    #expect(!seenFamilies.contains(name), "family \(name) is split")
                    seenFamilies.insert(name)
                    current = name
                }
            } else {
                #expect(line.hasPrefix(current + "_") || line.hasPrefix(current + " ") || line.hasPrefix(current + "{"), "\(line) in \(current)")
            }
        }
        #expect(seenFamilies == ["test_events", "test_latency_seconds", "test_limit", "test_plain_counter", "test_temperature"])
    }

    @Test func emptyRegistry() {
        #expect(MetricsExposition.render(registry: PrometheusCollectorRegistry(), format: .prometheusText).isEmpty)
        #expect(String(decoding: MetricsExposition.render(registry: PrometheusCollectorRegistry(), format: .openMetrics), as: UTF8.self) == "# EOF\n")
    }

    @Test func contentTypes() {
        #expect(ExpositionFormat.prometheusText.contentType == "text/plain; version=0.0.4; charset=utf-8")
        #expect(ExpositionFormat.openMetrics.contentType == "application/openmetrics-text; version=1.0.0; charset=utf-8")
    }

    @Test(arguments: [
        (nil, ExpositionFormat.prometheusText),
        ("", .prometheusText),
        ("*/*", .prometheusText),
        ("text/plain", .prometheusText),
        ("application/json", .prometheusText),
        ("application/openmetrics-text", .openMetrics),
        ("application/openmetrics-text; version=1.0.0", .openMetrics),
        ("application/openmetrics-text;version=0.0.1", .openMetrics),
        ("application/openmetrics-text;version=2.0.0", .prometheusText),
        ("application/openmetrics-text;q=0", .prometheusText),
        ("application/openmetrics-text;q=0.3, text/plain;q=0.5", .prometheusText),
        ("text/plain;q=0.3, application/openmetrics-text;q=0.5", .openMetrics),
        ("application/openmetrics-text, text/plain", .prometheusText),
        ("application/openmetrics-text, */*", .openMetrics),
        ("application/openmetrics-text;q=0.9, */*", .prometheusText),
        ("Application/OpenMetrics-Text ; Q=0.8 , text/*;q=0.7", .openMetrics),
        ("application/openmetrics-text;q=bogus, text/plain;q=0.1", .prometheusText),
        // What Prometheus 2.x and 3.x send.
        (
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
                + "text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
            .openMetrics
        ),
        (
            "application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,"
                + "text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2",
            .openMetrics
        ),
        ("text/plain;version=0.0.4;q=1,*/*;q=0.1", .prometheusText),
    ] as [(String?, ExpositionFormat)])
    func negotiation(accept: String?, expected: ExpositionFormat) {
        #expect(ExpositionFormat.negotiate(accept: accept) == expected)
    }
}
