import Logging
import ServiceLifecycle

/// Sleeps for `duration`, waking early when graceful shutdown begins, so that a service loop
/// notices the shutdown at once instead of after its interval.
func pause(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown {
        try await Task.sleep(for: duration)
    }
}

/// True once the service should stop looping.
var isStopping: Bool {
    Task.isShuttingDownGracefully || Task.isCancelled
}

extension LeaderElection {
    /// Runs `work` every `interval` while this replica leads, until shutdown. A failed round
    /// is logged as `failure` and the next one tries again (an outage must not stop the loop).
    func everyRound(
        _ interval: Duration, logger: Logger, failure: String, _ work: () async throws -> Void
    ) async {
        while !isStopping {
            if isLeader {
                do {
                    try await work()
                } catch {
                    logger.warning("\(failure)", metadata: ["error": "\(error)"])
                }
            }
            await pause(for: interval)
        }
    }
}
