import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle

/// One scheduler in the cluster: the replica holding a PostgreSQL session advisory lock
/// (``AdvisoryLockSession``) leads. A standby takes over within a second or two of the leader's
/// session ending. Leadership is advisory for efficiency; correctness does not depend on it,
/// since dispatch only takes accounts with no job in flight, under row locks.
public final class LeaderElection: Service, Sendable {
    /// Advisory lock key of the scheduler ("klaro" + 2).
    static let lockKey: Int64 = 0x6b6c_6172_6f00_0002

    private let session: AdvisoryLockSession

    public init(url: String, metrics: KlaroMetrics, logger: Logger, interval: Duration = .seconds(1)) {
        session = AdvisoryLockSession(url: url, key: Self.lockKey, applicationName: "klarod-leader", interval: interval) { leading in
            metrics.schedulerLeader.set(leading ? 1.0 : 0.0)
            if leading { logger.notice("became scheduler leader") } else { logger.warning("lost scheduler leadership") }
        }
        metrics.schedulerLeader.set(0.0)
    }

    /// True while this replica holds the lock.
    public var isLeader: Bool { session.isHeld }

    public func run() async throws {
        try await session.run()
    }
}
