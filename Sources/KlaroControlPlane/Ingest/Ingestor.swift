import Foundation
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Reads results from `klaro:results` in the `ingest` consumer group and stores them
/// (DESIGN §3.4). Every replica runs one; they share the work through the group.
///
/// Entries are acknowledged only after their transaction commits, so a crash replays them and
/// the replay changes nothing (duplicates are recognised by job id). After a failure this
/// consumer first re-reads its own pending entries; entries left by a consumer that died are
/// claimed once idle for a minute. A batch the database refuses is retried one result at a
/// time, so one poisonous result is dead-lettered instead of blocking the stream.
public final class Ingestor: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let consumer: String
    private let store: IngestStore
    private let validator: ResultValidator
    /// Where ingest time goes, for benchmarks and debugging.
    public let stats = Mutex(IngestStats())

    /// - Parameter redis: a client of its own: the ingestor blocks on it while waiting.
    public init(pool: PostgresPool, redis: RedisClient, settings: SyncSettings, metrics: KlaroMetrics, logger: Logger, consumer: String) {
        self.pool = pool
        self.redis = redis
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.consumer = consumer
        store = IngestStore(settings: settings, retryPolicy: settings.retry)
        validator = ResultValidator(maxDeals: settings.maxDealsPerResult)
    }

    public func run() async throws {
        var readPending = true
        var failures = 0
        var lastClaim = ContinuousClock.now
        while !isStopping {
            do {
                if readPending { try await redis.createGroup(stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup) }
                let entries = try await redis.readGroup(
                    stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup, consumer: consumer,
                    count: settings.ingestBatch, blockMilliseconds: readPending ? nil : 1000, id: readPending ? "0" : ">"
                )
                if failures > 0 {
                    logger.notice("ingest resumed", metadata: ["failures": "\(failures)"])
                    failures = 0
                }
                if entries.isEmpty {
                    readPending = false
                    if ContinuousClock.now - lastClaim > .seconds(30) {
                        lastClaim = ContinuousClock.now
                        readPending = try await claimAbandoned()
                    }
                    continue
                }
                try await process(entries)
            } catch {
                failures += 1
                if failures == 1 || failures % 60 == 0 {
                    logger.warning("ingest paused by an error; retrying", metadata: ["error": "\(error)", "failures": "\(failures)"])
                }
                readPending = true
                await pause(for: .milliseconds(min(5000, 250 * failures)))
            }
        }
        await redis.close()
    }

    /// Validates, stores, dead-letters and acknowledges one read's worth of entries.
    func process(_ entries: [StreamEntry]) async throws {
        let started = ContinuousClock.now
        var valid: [IncomingResult] = []
        var verdicts: [IngestVerdict] = []
        for entry in entries {
            switch validator.validate(entry) {
            case .success(let result): valid.append(result)
            case .failure(let rejection): verdicts.append(.rejected(rejection))
            }
        }
        let validated = ContinuousClock.now
        // One transaction per round; a round holds each account once, so a job and its retry
        // that arrive together are applied in order.
        var remaining = valid
        while !remaining.isEmpty {
            var seen = Set<UUID>()
            var round: [IncomingResult] = []
            var later: [IncomingResult] = []
            for result in remaining {
                if seen.insert(result.message.accountID).inserted { round.append(result) } else { later.append(result) }
            }
            verdicts += try await store(round)
            remaining = later
        }
        let stored = ContinuousClock.now
        try await finish(verdicts, entries: Dictionary(entries.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }))
        let finished = ContinuousClock.now
        stats.withLock { stats in
            stats.results += entries.count
            stats.validating += validated - started
            stats.storing += stored - validated
            stats.acknowledging += finished - stored
        }
        let elapsed = ContinuousClock.now - started
        let perResult = elapsed / max(1, entries.count)
        for _ in entries { metrics.ingest.record(perResult) }
    }

    /// Stores a round in one transaction; if the database refuses its data (a value out of
    /// range, a NUL byte in a text), stores the results one by one and rejects the ones it
    /// refuses alone. Any other failure (an outage, a bug) leaves the entries pending, to retry.
    private func store(_ round: [IncomingResult]) async throws -> [IngestVerdict] {
        let store = self.store
        do {
            return try await pool.transaction { connection in try store.ingest(round, connection: connection, now: Date()) }
        } catch let error as PostgresError where error.isDataRejection && round.count > 1 {
            logger.warning("a batch was refused; storing its results one by one", metadata: ["error": "\(error)"])
            var verdicts: [IngestVerdict] = []
            for result in round { verdicts += try await self.store([result]) }
            return verdicts
        } catch let error as PostgresError where error.isDataRejection {
            return [.rejected(Rejection(entryID: round[0].entryID, reason: .schema, detail: "refused by the database: \(error)"))]
        }
    }

    /// Dead-letters the rejected entries, then acknowledges every entry, in one round trip.
    private func finish(_ verdicts: [IngestVerdict], entries: [String: StreamEntry]) async throws {
        var commands: [[[UInt8]]] = []
        var ids: [String] = []
        let now = String(EpochMilliseconds.from(Date()))
        for verdict in verdicts {
            switch verdict {
            case .applied(let sync):
                ids.append(sync.entryID)
                record(sync)
            case .duplicate(let entryID):
                ids.append(entryID)
                metrics.resultsDuplicate.increment()
            case .rejected(let rejection):
                ids.append(rejection.entryID)
                metrics.resultsRejected(rejection.reason).increment()
                logger.warning("result rejected", metadata: [
                    "entry": "\(rejection.entryID)", "reason": "\(rejection.reason.rawValue)", "detail": "\(rejection.detail)",
                ])
                var command = RedisClient.xaddArguments(
                    stream: ProtocolKeys.dead, maxLength: ProtocolKeys.deadStreamMaxLength,
                    fields: [("reason", rejection.reason.rawValue), ("detail", rejection.detail), ("source", ProtocolKeys.results),
                             ("source_id", rejection.entryID), ("at", now)]
                ).map { Array($0.utf8) }
                command += Self.deadLetterContent(entries[rejection.entryID])
                commands.append(command)
            }
        }
        commands.append((["XACK", ProtocolKeys.results, ProtocolKeys.ingestGroup] + ids).map { Array($0.utf8) })
        let replies = try await redis.pipeline(commands)
        if let failed = replies.first(where: { if case .error = $0 { true } else { false } }) {
            throw RedisError.server("dead-lettering or acknowledging failed: \(failed)")
        }
    }

    /// What a dead-letter entry keeps of the rejected entry: `payload`, the `result` text; or,
    /// when there is none, `fields`, every field of the entry as a JSON object (protocol §9).
    static func deadLetterContent(_ entry: StreamEntry?) -> [[UInt8]] {
        let limit = 65_536
        guard let entry else { return [] }
        if let result = entry.fields["result"] {
            return [Array("payload".utf8), Array(result.prefix(limit))]
        }
        let fields = entry.fields.mapValues { String(decoding: $0, as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = (try? encoder.encode(fields)).map(Array.init) ?? Array("{}".utf8)
        return [Array("fields".utf8), Array(json.prefix(limit))]
    }

    private func record(_ sync: AppliedSync) {
        metrics.syncs(outcome: sync.outcome, host: sync.host).increment()
        metrics.syncDuration(host: sync.host).record(seconds: sync.duration)
        if let wait = sync.queueWait { metrics.syncQueueWait.record(seconds: wait) }
        if let login = sync.login { metrics.syncLogin.record(seconds: login) }
        if let achieved = sync.achievedInterval { metrics.syncAchievedInterval(achieved.syncClass).record(seconds: achieved.seconds) }
        let metadata: Logger.Metadata = [
            "job_id": "\(sync.jobID)", "account_id": "\(sync.accountID)", "host": "\(sync.host)", "slot": "\(sync.slot)",
            "outcome": "\(sync.outcome.rawValue)", "duration_ms": "\(Int(sync.duration * 1000))",
        ]
        switch sync.outcome {
        case .sealRejected:
            // The job in the host's queue did not match what klarod sealed: a tampered queue, or
            // a host that lost its key. Worth an operator's look.
            logger.warning("worker refused the job's sealed password", metadata: metadata)
        case .wrongAccount:
            logger.warning("terminal stayed on another account after login; no data was sent", metadata: metadata)
        case .terminalIncompatible:
            logger.warning("terminal is newer than the worker's MetaTrader5 module", metadata: metadata)
        default:
            logger.info("sync finished", metadata: metadata)
        }
    }

    /// Takes over entries another consumer left unacknowledged for a minute (it died).
    /// Returns true if it claimed any: they are now this consumer's pending entries.
    private func claimAbandoned() async throws -> Bool {
        let claimed = try await redis.autoClaim(
            stream: ProtocolKeys.results, group: ProtocolKeys.ingestGroup, consumer: consumer, minIdleMilliseconds: 60_000,
            count: settings.ingestBatch
        )
        if !claimed.entries.isEmpty {
            logger.notice("claimed results left by another ingest consumer", metadata: ["count": "\(claimed.entries.count)"])
        }
        return !claimed.entries.isEmpty
    }
}

extension PostgresError {
    /// The server refused the values (SQLSTATE classes 22, data exception, and 23, integrity
    /// constraint violation), as opposed to an outage or a faulty statement.
    var isDataRejection: Bool {
        guard let state = sqlState else { return false }
        return state.hasPrefix("22") || state.hasPrefix("23")
    }
}

/// Cumulative time an ``Ingestor`` spent in each step.
public struct IngestStats: Sendable {
    public var results = 0
    /// Reading JSON and checking the schema (Swift, this process).
    public var validating: Duration = .zero
    /// The PostgreSQL transactions (including Swift work inside them).
    public var storing: Duration = .zero
    /// Dead-lettering and XACK (Redis).
    public var acknowledging: Duration = .zero

    public init() {}
}
