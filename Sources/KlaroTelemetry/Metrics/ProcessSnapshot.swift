import Glibc

/// The process figures behind the standard `process_*` metrics, read from `/proc/self`.
public struct ProcessSnapshot: Sendable, Equatable {
    /// User plus system CPU time, seconds.
    public var cpuSeconds: Double
    /// Resident set size, bytes.
    public var residentMemoryBytes: Double
    /// Virtual memory size, bytes.
    public var virtualMemoryBytes: Double
    /// Open file descriptors.
    public var openFileDescriptors: Double
    /// Soft limit on open file descriptors (`+Inf` when unlimited).
    public var maxFileDescriptors: Double
    /// Process start time, seconds since 1970.
    public var startTimeSeconds: Double

    /// Reads `/proc/self/stat`, `/proc/self/status`, `/proc/self/limits`, `/proc/self/fd` and
    /// `btime` from `/proc/stat`.
    /// - Throws: ``ProcessSnapshot/ReadError`` if a file is missing or not in the kernel's format.
    public static func read() throws(ReadError) -> ProcessSnapshot {
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let stat = try ProcFiles.parseStat(ProcFiles.read("/proc/self/stat"))
        let memory = try ProcFiles.parseStatusMemory(ProcFiles.read("/proc/self/status"))
        let bootTime = try ProcFiles.parseBootTime(ProcFiles.read("/proc/stat"))
        return ProcessSnapshot(
            cpuSeconds: Double(stat.userTicks + stat.systemTicks) / ticksPerSecond,
            residentMemoryBytes: memory.residentBytes,
            virtualMemoryBytes: memory.virtualBytes,
            openFileDescriptors: Double(try ProcFiles.countOpenDescriptors()),
            maxFileDescriptors: try ProcFiles.parseMaxOpenFiles(ProcFiles.read("/proc/self/limits")),
            startTimeSeconds: bootTime + Double(stat.startTicks) / ticksPerSecond
        )
    }

    /// Why `/proc` could not be read.
    public enum ReadError: Error, Equatable, CustomStringConvertible {
        case unreadable(path: String, errno: Int32)
        case malformed(path: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let code):
                "process metrics: cannot read \(path): \(String(cString: strerror(code))) (is /proc mounted?)"
            case .malformed(let path):
                "process metrics: \(path) is not in the format of a Linux /proc file"
            }
        }
    }
}
