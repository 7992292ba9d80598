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
