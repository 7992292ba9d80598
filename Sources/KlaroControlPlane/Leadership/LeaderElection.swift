import Foundation
import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import NIOPosix
import ServiceLifecycle
import Synchronization

/// One scheduler in the cluster: the replica holding a PostgreSQL session advisory lock leads.
///
/// The lock lives on a connection of its own (outside the pool), so it is held exactly as
/// long as that session: if the leader dies, the server ends its session and releases the
/// lock, and a standby, which tries every second, takes over within a second or two. The
/// leader checks its session every second too and steps down the moment it breaks.
/// Leadership is advisory for efficiency; correctness does not depend on it, since dispatch
/// only takes accounts with no job in flight, under row locks.
public final class LeaderElection: Service, Sendable {
    /// Advisory lock key of the scheduler ("klaro" + 2).
    static let lockKey: Int64 = 0x6b6c_6172_6f00_0002

    private let url: String
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let leading = Atomic<Bool>(false)
    private let connection = Mutex<PostgresConnection?>(nil)

    public init(url: String, metrics: KlaroMetrics, logger: Logger, interval: Duration = .seconds(1)) {
        self.url = url
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        thread.start()
    }

    /// True while this replica holds the lock.
    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    public func run() async throws {
        metrics.schedulerLeader.set(0.0)
        while !isStopping {
            let leader = (try? await thread.runIfActive { [self] in step() }) ?? false
            if leader != leading.load(ordering: .relaxed) {
                leading.store(leader, ordering: .releasing)
                metrics.schedulerLeader.set(leader ? 1.0 : 0.0)
                if leader { logger.notice("became scheduler leader") } else { logger.warning("lost scheduler leadership") }
            }
            await pause(for: interval)
        }
        // Stepping down: closing the session releases the lock for a standby at once.
        leading.store(false, ordering: .releasing)
        metrics.schedulerLeader.set(0.0)
        _ = try? await thread.runIfActive { [self] in connection.withLock { $0?.close(); $0 = nil } }
        try? await thread.shutdownGracefully()
    }

    /// One check, on the election's own thread: keep or try to take the lock.
    private func step() -> Bool {
        connection.withLock { current -> Bool in
            do {
                if current == nil {
                    current = try PostgresConnection.connect(url: url, applicationName: "klarod-leader", connectTimeout: 5, statementTimeout: 5)
                }
                guard let session = current else { return false }
                if leading.load(ordering: .relaxed) {
                    // Still our session (a broken one has lost the lock with it)?
                    try session.query("SELECT 1")
                    return true
                }
                return try session.query("SELECT pg_try_advisory_lock($1)", [Self.lockKey])[0].bool(0)
            } catch {
                current?.close()
                current = nil
                return false
            }
        }
    }
}
