import Prometheus
import Synchronization

/// The standard Prometheus `process_*` metrics, with the names and meanings of the official
/// clients, refreshed from `/proc/self` on every scrape (call ``update()`` before rendering).
public final class ProcessMetrics: Sendable {
    private let cpuSeconds: Counter
    private let residentMemory: Gauge
    private let virtualMemory: Gauge
    private let openFileDescriptors: Gauge
    private let maxFileDescriptors: Gauge
    private let startTime: Gauge
    /// CPU seconds already added to the counter: a Prometheus counter only goes up by deltas.
    private let reportedCPUSeconds = Mutex<Double>(0)

    public init(registry: PrometheusCollectorRegistry) {
        cpuSeconds = registry.makeCounter(
            descriptor: .init(
                metricName: "process_cpu_seconds",
                unitName: "total",
                helpText: "Total user and system CPU time spent in seconds."
            )
        )
        residentMemory = registry.makeGauge(
            descriptor: .init(metricName: "process_resident_memory", unitName: "bytes", helpText: "Resident memory size in bytes.")
        )
        virtualMemory = registry.makeGauge(
            descriptor: .init(metricName: "process_virtual_memory", unitName: "bytes", helpText: "Virtual memory size in bytes.")
        )
        openFileDescriptors = registry.makeGauge(
            descriptor: .init(metricName: "process_open_fds", unitName: "", helpText: "Number of open file descriptors.")
        )
        maxFileDescriptors = registry.makeGauge(
            descriptor: .init(metricName: "process_max_fds", unitName: "", helpText: "Maximum number of open file descriptors.")
        )
        startTime = registry.makeGauge(
            descriptor: .init(
                metricName: "process_start_time",
                unitName: "seconds",
                helpText: "Start time of the process since unix epoch in seconds."
            )
        )
    }

    /// Reads `/proc/self` and sets every `process_*` metric.
    ///
    /// - Returns: the figures read, for callers that want them directly.
    /// - Throws: ``ProcessSnapshot/ReadError`` when `/proc` cannot be read; the metrics keep
    ///   their previous values, and the caller should still serve the rest of the scrape.
    @discardableResult
    public func update() throws(ProcessSnapshot.ReadError) -> ProcessSnapshot {
        let snapshot = try ProcessSnapshot.read()
        apply(snapshot)
        return snapshot
    }

    /// Sets the metrics from a snapshot.
    func apply(_ snapshot: ProcessSnapshot) {
        reportedCPUSeconds.withLock { reported in
            let delta = snapshot.cpuSeconds - reported
            if delta > 0 {
                cpuSeconds.increment(by: delta)
                reported = snapshot.cpuSeconds
            }
        }
        residentMemory.set(to: snapshot.residentMemoryBytes)
        virtualMemory.set(to: snapshot.virtualMemoryBytes)
        openFileDescriptors.set(to: snapshot.openFileDescriptors)
        maxFileDescriptors.set(to: snapshot.maxFileDescriptors)
        startTime.set(to: snapshot.startTimeSeconds)
    }
}
