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

    /// Fixes glibc's two thresholds at startup (issue 16), unless the environment sets them
    /// (`MALLOC_MMAP_THRESHOLD_`, `MALLOC_TRIM_THRESHOLD_`). By default glibc raises both each
    /// time a large block is freed, up to 32 and 64 MB: after the first placement of 100,000
    /// accounts, its arrays were made in a thread's heap, and that heap's free top (44 MB,
    /// measured) stayed resident, since `malloc_trim` releases free chunks inside a thread's
    /// heap but not its top.
    public static func configureAllocator(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil { _ = mallopt(M_MMAP_THRESHOLD, Int32(mmapThreshold)) }
        if environment["MALLOC_TRIM_THRESHOLD_"] == nil { _ = mallopt(M_TRIM_THRESHOLD, Int32(trimThreshold)) }
    }
}
