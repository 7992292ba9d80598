import CMalloc
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
}
