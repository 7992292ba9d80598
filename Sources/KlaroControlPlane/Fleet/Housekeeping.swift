import Foundation
import KlaroCore
import KlaroPostgres
import KlaroRedis
import Logging
import ServiceLifecycle

/// Periodic upkeep on the leader: time partitions created ahead and dropped after their
/// retention (hourly), and acknowledged results trimmed from `klaro:results` (every minute)
/// without ever removing an entry that is pending or not yet delivered.
public final class Housekeeping: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let leadership: LeaderElection
    private let settings: SyncSettings
    private let logger: Logger

    public init(pool: PostgresPool, redis: RedisClient, leadership: LeaderElection, settings: SyncSettings, logger: Logger) {
        self.pool = pool
        self.redis = redis
        self.leadership = leadership
        self.settings = settings
        self.logger = logger
    }

    public func run() async throws {
        var lastPartitions: ContinuousClock.Instant?
        while !isStopping {
            if leadership.isLeader {
                if lastPartitions.map({ ContinuousClock.now - $0 > .seconds(3600) }) ?? true {
                    do {
                        try await maintainPartitions()
                        lastPartitions = ContinuousClock.now
                    } catch {
                        logger.warning("partition maintenance failed", metadata: ["error": "\(error)"])
                    }
                }
                do {
                    try await trimResults()
                } catch {
                    logger.debug("results trim skipped", metadata: ["error": "\(error)"])
                }
            }
            await pause(for: .seconds(60))
        }
    }

    public func maintainPartitions() async throws {
        let created = try await pool.query(
            "SELECT klaro_ensure_partitions(now() - interval '1 day', now() + interval '7 days')")[0].int(0)
        let dropped = try await pool.query(
            "SELECT klaro_drop_expired_partitions(now() - make_interval(days => $1), now() - make_interval(days => $2))",
            [settings.runRetentionDays, settings.snapshotRetentionDays])[0].int(0)
        if created > 0 || dropped > 0 {
            logger.info("partitions maintained", metadata: ["created": "\(created)", "dropped": "\(dropped)"])
        }
    }

    /// Trims entries older than both the oldest pending entry and the last delivered one.
    public func trimResults() async throws {
        let groups = try await redis.command(["XINFO", "GROUPS", ProtocolKeys.results])
        var lastDelivered: String?
        for group in groups.array ?? [] {
            let fields = group.array ?? []
            var index = 0
            var name: String?, delivered: String?
            while index + 1 < fields.count {
                switch fields[index].string {
                case "name": name = fields[index + 1].string
                case "last-delivered-id": delivered = fields[index + 1].string
                default: break
                }
                index += 2
            }
            if name == ProtocolKeys.ingestGroup { lastDelivered = delivered }
        }
        guard var minimum = lastDelivered, minimum != "0-0" else { return }
        let pending = try await redis.pendingSummary(stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup)
        if let lowest = pending.lowestID, StreamID(lowest) < StreamID(minimum) { minimum = lowest }
        // MINID keeps entries with ids ≥ minimum; the last delivered one stays as a marker.
        try await redis.command(["XTRIM", ProtocolKeys.results, "MINID", "~", minimum])
    }
}

/// A stream entry id (`ms-seq`) for ordering.
struct StreamID: Comparable {
    let milliseconds: UInt64
    let sequence: UInt64

    init(_ text: String) {
        let parts = text.split(separator: "-")
        milliseconds = UInt64(parts.first ?? "") ?? 0
        sequence = parts.count > 1 ? UInt64(parts[1]) ?? 0 : 0
    }

    static func < (a: StreamID, b: StreamID) -> Bool {
        (a.milliseconds, a.sequence) < (b.milliseconds, b.sequence)
    }
}
