import CoreMetrics
import Prometheus
import Synchronization

/// klarod's metrics: one registry, the ``KlaroMetrics`` catalogue and ``ProcessMetrics`` on it,
/// and swift-metrics routed to the same registry (so library metrics appear on `/metrics` too).
public final class MetricsBootstrap: Sendable {
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Every `klaro_*` metric.
    public let metrics: KlaroMetrics
    /// The `process_*` metrics, refreshed by ``scrape()``.
    public let processMetrics: ProcessMetrics

    private static let bootstrapped = Mutex<MetricsBootstrap?>(nil)

    /// Builds a registry with the catalogue, without touching the global `MetricsSystem`
    /// (for tests and tools; klarod uses ``bootstrap(build:)``).
    public init(build: BuildInfo) {
        registry = PrometheusCollectorRegistry()
        metrics = KlaroMetrics(registry: registry, build: build)
        processMetrics = ProcessMetrics(registry: registry)
    }

    /// Creates the process's metrics once and bootstraps `MetricsSystem` with
    /// `PrometheusMetricsFactory(registry:)`; later calls return the same instance (swift-metrics
    /// allows a single bootstrap per process).
    public static func bootstrap(build: BuildInfo) -> MetricsBootstrap {
        bootstrapped.withLock { existing in
            if let existing { return existing }
            let created = MetricsBootstrap(build: build)
            MetricsSystem.bootstrap(LibraryMetricsFactory(registry: created.registry))
            existing = created
            return created
        }
    }

    /// The `Content-Type` of ``scrape()``: the Prometheus text format 0.0.4, the only format
    /// swift-prometheus writes (klarod serves no OpenMetrics; Prometheus reads this one).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// Refreshes the process metrics and renders the registry: the body of a `/metrics` response.
    ///
    /// If `/proc` cannot be read the process metrics keep their last values; the rest of the
    /// scrape is still served, since a partial answer beats none for alerting.
    public func scrape() -> [UInt8] {
        _ = try? processMetrics.update()
        return registry.emitToBuffer()
    }
}
