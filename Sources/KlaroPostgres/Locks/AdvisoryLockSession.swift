import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Holds a PostgreSQL session advisory lock for as long as it can: a `Service` with a
/// connection and a thread of its own, outside the pool.
///
/// The lock lives exactly as long as its session: if the holder dies, the server ends the
/// session and releases the lock, and a standby, which tries every `interval`, takes it within
/// one or two. The holder checks its session every `interval` too and reports the loss the
/// moment the session breaks. On graceful shutdown the session is closed, releasing the lock
/// for a standby at once.
public final class AdvisoryLockSession: Service, Sendable {
    public let key: Int64
    private let url: String
    private let applicationName: String
    private let interval: Duration
    private let onChange: @Sendable (Bool) -> Void
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let held = Atomic<Bool>(false)
    /// Touched only on `thread`.
    private let connection = Mutex<PostgresConnection?>(nil)

    /// - Parameters:
    ///   - url: the libpq URL of the database whose lock to hold.
    ///   - key: the advisory lock key.
    ///   - onChange: called with the new state each time the lock is taken or lost.
    public init(
        url: String, key: Int64, applicationName: String, interval: Duration = .seconds(1),
        onChange: @escaping @Sendable (Bool) -> Void = { _ in }
    ) {
        self.url = url
        self.key = key
        self.applicationName = applicationName
        self.interval = interval
        self.onChange = onChange
        thread.start()
    }

    /// True while this process holds the lock.
    public var isHeld: Bool { held.load(ordering: .acquiring) }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let holding = (try? await thread.runIfActive { [self] in step() }) ?? false
            if holding != held.load(ordering: .relaxed) {
                held.store(holding, ordering: .releasing)
                onChange(holding)
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval) }
        }
        if held.exchange(false, ordering: .acquiringAndReleasing) { onChange(false) }
        _ = try? await thread.runIfActive { [self] in connection.withLock { $0?.close(); $0 = nil } }
        try? await thread.shutdownGracefully()
    }

    /// One check, on the session's own thread: keep or try to take the lock.
    private func step() -> Bool {
        connection.withLock { current -> Bool in
            do {
                if current == nil {
                    current = try PostgresConnection.connect(url: url, applicationName: applicationName, connectTimeout: 5, statementTimeout: 5)
                }
                guard let session = current else { return false }
                if held.load(ordering: .relaxed) {
                    // Still our session (a broken one has lost the lock with it)?
                    try session.query("SELECT 1")
                    return true
                }
                return try session.query("SELECT pg_try_advisory_lock($1)", [key])[0].bool(0)
            } catch {
                current?.close()
                current = nil
                return false
            }
        }
    }
}
