import Foundation
import Glibc
import Prometheus
import Testing

@testable import KlaroTelemetry

@Suite struct ProcessMetricsTests {
    @Test func snapshotOfThisProcessIsPlausible() throws {
        // Hold a few descriptors open so the count has something to see.
        let held = (0..<3).map { _ in open("/dev/null", O_RDONLY) }
        defer { held.forEach { close($0) } }
        try #require(held.allSatisfy { $0 >= 0 })

        let snapshot = try ProcessSnapshot.read()
        let now = Date().timeIntervalSince1970
        #expect(snapshot.openFileDescriptors >= 3)  // at least the ones held here
        #expect(snapshot.openFileDescriptors <= snapshot.maxFileDescriptors)
        #expect(snapshot.residentMemoryBytes > 1024 * 1024)
        #expect(snapshot.virtualMemoryBytes >= snapshot.residentMemoryBytes)
        #expect(snapshot.startTimeSeconds <= now + 1)
        #expect(snapshot.startTimeSeconds > now - 86_400, "the test process started within the last day")
        #expect(snapshot.cpuSeconds > 0)

        var limit = rlimit()
        try #require(getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0)
        #expect(snapshot.maxFileDescriptors == Double(limit.rlim_cur))
    }

    @Test func metricsAreRenderedUnderTheStandardNames() throws {
        let registry = PrometheusCollectorRegistry()
        let process = ProcessMetrics(registry: registry)
        let snapshot = try process.update()
        let text = registry.emitToString()
        let values = Self.sampleValues(text)
        #expect(values["process_open_fds"].map { $0 > 0 } == true)
        #expect(values["process_max_fds"] == snapshot.maxFileDescriptors)
        #expect(values["process_resident_memory_bytes"] == snapshot.residentMemoryBytes)
        #expect(values["process_virtual_memory_bytes"] == snapshot.virtualMemoryBytes)
        #expect(values["process_start_time_seconds"] == snapshot.startTimeSeconds)
        #expect(values["process_cpu_seconds_total"].map { abs($0 - snapshot.cpuSeconds) < 1e-6 } == true)
        #expect(text.contains("# TYPE process_cpu_seconds_total counter"))
        #expect(text.contains("# TYPE process_open_fds gauge"))
    }

    @Test func cpuCounterOnlyMovesForward() throws {
        let registry = PrometheusCollectorRegistry()
        let process = ProcessMetrics(registry: registry)
        var snapshot = try ProcessSnapshot.read()
        snapshot.cpuSeconds = 10
        process.apply(snapshot)
        snapshot.cpuSeconds = 12.5
        process.apply(snapshot)
        snapshot.cpuSeconds = 11  // A clock oddity must not make a counter go down.
        process.apply(snapshot)
        let text = registry.emitToString()
        #expect(Self.sampleValues(text)["process_cpu_seconds_total"] == 12.5)
    }

    @Test func parsersReadKernelFormats() throws {
        let stat = "4242 (klarod (serve) x) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 123456 987654321 2048 18446744073709551615"
        #expect(try ProcFiles.parseStat(stat) == .init(userTicks: 250, systemTicks: 75, startTicks: 123456))
        let status = "Name:\tklarod\nVmPeak:\t  300000 kB\nVmSize:\t  250000 kB\nVmRSS:\t   40000 kB\nThreads:\t9\n"
        #expect(try ProcFiles.parseStatusMemory(status) == .init(residentBytes: 40_000 * 1024, virtualBytes: 250_000 * 1024))
        #expect(try ProcFiles.parseBootTime("cpu  1 2 3\nbtime 1795500000\nprocesses 9\n") == 1_795_500_000)
        let limits = """
            Limit                     Soft Limit           Hard Limit           Units
            Max cpu time              unlimited            unlimited            seconds
            Max open files            65536                524288               files
            """
        #expect(try ProcFiles.parseMaxOpenFiles(limits) == 65536)
        #expect(try ProcFiles.parseMaxOpenFiles("Max open files            unlimited            unlimited            files") == .infinity)
        #expect(throws: ProcessSnapshot.ReadError.malformed(path: "/proc/self/stat")) { try ProcFiles.parseStat("4242 (x) S 1") }
        #expect(throws: ProcessSnapshot.ReadError.malformed(path: "/proc/stat")) { try ProcFiles.parseBootTime("cpu 1 2") }
    }

    /// Unlabelled sample values of a Prometheus text exposition, by sample name.
    static func sampleValues(_ text: String) -> [String: Double] {
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && !line.contains("{") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) {
                values[String(parts[0])] = value
            }
        }
        return values
    }
}
