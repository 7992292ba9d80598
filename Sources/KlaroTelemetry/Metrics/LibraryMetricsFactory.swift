import CoreMetrics
import Prometheus

/// The swift-metrics backend klarod bootstraps: like swift-prometheus's
/// `PrometheusMetricsFactory`, but a library's metric gets its `klaro_` name and its HELP text
/// (``LibraryMetricNames``) when it is created, so the registry's own Prometheus text output is
/// complete and `/metrics` serves it as it is.
struct LibraryMetricsFactory: MetricsFactory {
    let registry: PrometheusCollectorRegistry
    /// swift-prometheus's default buckets, for libraries that record values and durations.
    private let defaults = PrometheusMetricsFactory()

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    /// The registry's descriptor for a library's label: klarod's name, and its HELP when known.
    private func descriptor(_ label: String) -> MetricNameDescriptor {
        let name = LibraryMetricNames.rename(label)
        return MetricNameDescriptor(metricName: name, unitName: "", helpText: LibraryMetricNames.help[name] ?? "")
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(descriptor: descriptor(label), labels: dimensions)
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        guard aggregate else { return registry.makeGauge(descriptor: descriptor(label), labels: dimensions) }
        return registry.makeValueHistogram(descriptor: descriptor(label), labels: dimensions, buckets: defaults.defaultValueHistogramBuckets)
    }

    func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(descriptor: descriptor(label), labels: dimensions)
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(descriptor: descriptor(label), labels: dimensions, buckets: defaults.defaultDurationHistogramBuckets)
    }

    func destroyCounter(_ handler: any CounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        if let counter = handler as? Prometheus.Counter { registry.unregisterCounter(counter) }
    }

    func destroyRecorder(_ handler: any RecorderHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
        if let histogram = handler as? ValueHistogram { registry.unregisterValueHistogram(histogram) }
    }

    func destroyMeter(_ handler: any MeterHandler) {
        if let gauge = handler as? Prometheus.Gauge { registry.unregisterGauge(gauge) }
    }

    func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? DurationHistogram { registry.unregisterDurationHistogram(histogram) }
    }
}
