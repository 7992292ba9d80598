import CMalloc
import Foundation
import Logging
import ServiceLifecycle

/// Gives the heap's free pages back to the kernel (issue 16). Bursts (a placement of 100,000
/// accounts, thousands of jobs dispatched or lost at once) grow glibc's heaps; once freed, that
/// memory stays in klarod's RSS because glibc returns only the top of a heap, and a heap whose
/// top is still in use keeps every free page below it. `malloc_trim(0)` releases those pages
/// (madvise) in every arena; run every minute it costs well under a millisecond.
public final class MemoryTrimmer: Service, Sendable {
    private let interval: Duration
    private let logger: Logger
    private let trim: @Sendable () -> Void

    /// - Parameter trim: what one round does (tests count the rounds); by default ``releaseFreeHeap()``.
    public init(interval: Duration = .seconds(60), logger: Logger, trim: @escaping @Sendable () -> Void = { releaseFreeHeap() }) {
        self.interval = interval
        self.logger = logger
        self.trim = trim
    }

    public func run() async throws {
        while !isStopping {
            await pause(for: interval)
            if isStopping { break }
            trim()
        }
        logger.debug("memory trimmer stopped")
    }

    /// Returns the free pages of every malloc arena to the kernel.
    public static func releaseFreeHeap() {
        _ = malloc_trim(0)
    }

    /// Blocks from this size up get pages of their own, unmapped when freed.
    public static let mmapThreshold = 256 * 1024
    /// Free memory beyond this at the top of a heap goes back to the kernel on free().
    public static let trimThreshold = 1024 * 1024

    /// The `mallopt` settings ``configureAllocator(environment:cores:)`` makes: those the
    /// environment does not set already (glibc reads `MALLOC_MMAP_THRESHOLD_`,
    /// `MALLOC_TRIM_THRESHOLD_`, `MALLOC_ARENA_MAX` itself).
    public static func allocatorSettings(environment: [String: String], cores: Int) -> [(option: Int32, value: Int)] {
        var settings: [(option: Int32, value: Int)] = []
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { settings.append((M_MMAP_THRESHOLD, mmapThreshold)) }
        if environment["MALLOC_TRIM_THRESHOLD_"] == nil { settings.append((M_TRIM_THRESHOLD, trimThreshold)) }
        if environment["MALLOC_ARENA_MAX"] == nil { settings.append((M_ARENA_MAX, max(2, cores))) }
        return settings
    }

    /// Sets glibc's allocator up at start (issue 16). By default glibc raises its mmap and trim
    /// thresholds each time a large block is freed, up to 32 and 64 MB: after the first
    /// placement of 100,000 accounts, its arrays were made in a thread's heap, and that heap's
    /// free top (44 MB, measured) stayed resident, since `malloc_trim` releases free chunks
    /// inside a thread's heap but not its top. Fixed thresholds keep large blocks in pages of
    /// their own. And one heap per core instead of glibc's eight: each heap keeps free chunks
    /// of its own (measured: anonymous RSS after the burst 13 → 10 MB).
    public static func configureAllocator(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        cores: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        for setting in allocatorSettings(environment: environment, cores: cores) {
            _ = mallopt(setting.option, Int32(setting.value))
        }
    }
}
