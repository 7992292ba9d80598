import Foundation
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle

/// Gives up on jobs that will not finish (DESIGN §3.6), on the leader:
/// - a job with no result by its deadline plus grace is `lost`, and its account follows the
///   retry policy like any retryable failure;
/// - a job still queued on a slot that died is `lost` at once and its account is due again
///   immediately, to be dispatched to the slot placement gives it next.
/// The jobs' stream entries are acknowledged and deleted, so a slot that comes back does not
/// run work that was given away.
public final class Rescuer: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let leadership: LeaderElection
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration

    public init(
        pool: PostgresPool, redis: RedisClient, leadership: LeaderElection, settings: SyncSettings, metrics: KlaroMetrics,
        logger: Logger, interval: Duration = .seconds(2)
    ) {
        self.pool = pool
        self.redis = redis
        self.leadership = leadership
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await leadership.everyRound(interval, logger: logger, failure: "rescue sweep failed") {
            try await sweep()
        }
    }

    /// A job the rescuer gave up.
    struct LostJob: Sendable {
        let jobID: UUID
        let accountID: UUID
        let host: String
        let slot: Int
        let slotDied: Bool
    }

    /// One pass; returns the jobs it declared lost.
    @discardableResult
    public func sweep() async throws -> Int {
        let settings = self.settings
        let lost = try await pool.transaction { connection -> [LostJob] in
            let rows = try connection.query(Self.findLost, [settings.lostGrace, !settings.policy.planTargets.isEmpty])
            let stretch = rows.isEmpty ? [:] : try SyncStretchTable.read(connection)
            var jobs: [LostJob] = []
            var writes = JobCompletionWrites()
            var rng = SystemRandomNumberGenerator()
            let now = Date()
            for row in rows {
                let job = LostJob(
                    jobID: try row.uuid(1), accountID: try row.uuid(0), host: try row.string(3), slot: try row.int(4),
                    slotDied: try row.bool(8)
                )
                // The account's own interval, chosen as ingest chooses it.
                let interval = settings.policy.interval(
                    SyncClass(rawValue: try row.string(9)) ?? .quiet, plan: row.stringOrNil(10), factors: stretch)
                let completion = JobCompletion.decide(
                    .lost(slotDied: job.slotDied), account: job.accountID, attempt: try row.int(5),
                    anchor: try row.dateOrNil(6) ?? (try row.date(7)), now: now, interval: interval, policy: settings.retry, using: &rng
                )
                writes.add(
                    accountID: job.accountID, jobID: job.jobID, enqueuedAt: try row.date(2), completion: completion, finishedAt: now,
                    error: (nil, job.slotDied ? Self.slotDiedMessage : Self.deadlineMessage)
                )
                jobs.append(job)
            }
            try writes.execute(connection)
            return jobs
        }
        guard !lost.isEmpty else { return 0 }
        for job in lost {
            metrics.jobsLost.increment()
            metrics.syncs(outcome: .lost, host: job.host).increment()
        }
        Self.report(lost, logger: logger)
        try await removeFromStreams(lost)
        return lost.count
    }

    /// One warning per sweep (a dead host loses thousands of jobs at once), each job at debug.
    static func report(_ lost: [LostJob], logger: Logger) {
        for job in lost {
            logger.debug("job lost", metadata: [
                "job_id": "\(job.jobID)", "account_id": "\(job.accountID)", "host": "\(job.host)", "slot": "\(job.slot)",
                "outcome": "lost", "cause": "\(job.slotDied ? "slot dead" : "deadline passed")",
            ])
        }
        var metadata = BurstLog.summary(count: lost.count, examples: lost.lazy.map { $0.jobID.uuidString.lowercased() })
        metadata["slot_dead"] = "\(lost.count(where: \.slotDied))"
        metadata["deadline_passed"] = "\(lost.count { !$0.slotDied })"
        metadata["hosts"] = "\(Set(lost.map(\.host)).count)"
        metadata["outcome"] = "lost"
        logger.warning("jobs lost", metadata: metadata)
    }

    /// Acknowledges and deletes the lost jobs' entries in their slots' streams.
    private func removeFromStreams(_ lost: [LostJob]) async throws {
        let bySlot = Dictionary(grouping: lost) { ProtocolKeys.queue($0.host, $0.slot) }
        for (stream, jobs) in bySlot {
            let wanted = Set(jobs.map { $0.jobID.uuidString.lowercased() })
            let entries = try await redis.range(stream: stream, count: ProtocolKeys.jobStreamMaxLength)
            let ids = entries.filter { entry in
                guard let text = entry.string("job"), let data = text.data(using: .utf8),
                      let job = try? JSONDecoder().decode(JobMessage.self, from: data)
                else { return false }
                return wanted.contains(job.jobID.uuidString.lowercased())
            }.map(\.id)
            guard !ids.isEmpty else { continue }
            _ = try await redis.pipeline([["XACK", stream, ProtocolKeys.slotGroup] + ids, ["XDEL", stream] + ids])
        }
    }

    /// The error recorded for a lost job, by cause.
    static let slotDiedMessage = "the slot died before it ran the job"
    static let deadlineMessage = "no result by the deadline"

    /// Jobs past deadline + grace, and jobs on dead slots, with their account's class (and
    /// owner's plan when plans have targets of their own, `$2`). Locks their schedule rows,
    /// skipping those another transaction holds; no account row: a lost job writes only the
    /// schedule row (migration 0021, ``JobCompletionWrites``), so the lock order (an account
    /// row before its schedule row) holds with no account row at all.
    static let findLost = """
        SELECT a.account_id, a.inflight_job_id, a.inflight_enqueued_at, a.inflight_host, a.inflight_slot, a.attempt,
               a.interval_anchor, a.next_sync_at, coalesce(s.state = 'dead', true) AS slot_died, a.sync_class,
               CASE WHEN $2 THEN klaro_user_plan(w.user_id) END
        FROM account_schedule a
        JOIN user_mt5_accounts w ON w.id = a.account_id
        LEFT JOIN terminal_slots s ON s.host_id = a.inflight_host AND s.slot = a.inflight_slot
        WHERE a.inflight_job_id IS NOT NULL
          AND (a.inflight_deadline < now() - make_interval(secs => $1::float8) OR s.state = 'dead' OR s.host_id IS NULL)
        ORDER BY a.account_id
        LIMIT 5000
        FOR UPDATE OF a SKIP LOCKED
        """
}
