import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Dispatches due accounts to their slots, once a tick, on the leader only (DESIGN §3).
///
/// A tick is one PostgreSQL transaction (``DispatchQuery``) and one Redis pipeline of XADDs.
/// The database is written first: if klarod dies before the XADDs, the jobs are in flight with
/// no copy in Redis, and the rescuer finds them lost at their deadline and makes the accounts
/// due again, so nothing is lost, only late.
public final class Scheduler: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let vault: CredentialVault
    private let leadership: LeaderElection
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let knownStreams = KnownStreams()

    public init(
        pool: PostgresPool, redis: RedisClient, vault: CredentialVault, leadership: LeaderElection, settings: SyncSettings,
        metrics: KlaroMetrics, logger: Logger
    ) {
        self.pool = pool
        self.redis = redis
        self.vault = vault
        self.leadership = leadership
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if leadership.isLeader {
                do {
                    try await tick()
                } catch {
                    logger.warning("scheduler tick failed", metadata: ["error": "\(error)"])
                }
            }
            try? await Task.sleep(for: .milliseconds(Int(settings.schedulerTick * 1000)))
        }
    }

    /// Dispatches what is due now; returns how many jobs were sent.
    @discardableResult
    public func tick() async throws -> Int {
        let started = ContinuousClock.now
        // No dispatch while Redis is away: the jobs would only wait for the rescuer.
        try await redis.ping()
        let settings = self.settings
        let rows = try await pool.transaction { connection in
            try DispatchQuery.run(connection, queueDepth: settings.queueDepth, deadlineSeconds: settings.jobDeadline)
        }
        var commands: [[[UInt8]]] = []
        var sent = 0
        for row in rows {
            guard let job = makeJob(row) else { continue }
            let stream = ProtocolKeys.queue(row.host, row.slot)
            if !knownStreams.contains(stream) {
                commands.append(["XGROUP", "CREATE", stream, ProtocolKeys.slotGroup, "0", "MKSTREAM"].map { Array($0.utf8) })
            }
            let arguments = RedisClient.xaddArguments(
                stream: stream, maxLength: ProtocolKeys.jobStreamMaxLength, fields: [("job", job.json())]
            )
            commands.append(arguments.map { Array($0.utf8) })
            sent += 1
            logger.debug("dispatched", metadata: [
                "job_id": "\(row.jobID)", "account_id": "\(row.accountID)", "host": "\(row.host)", "slot": "\(row.slot)",
                "attempt": "\(row.attempt)",
            ])
        }
        if !commands.isEmpty {
            let replies = try await redis.pipeline(commands)
            for (command, reply) in zip(commands, replies) where command.first == Array("XGROUP".utf8) {
                if reply.string == "OK" || reply == .error("BUSYGROUP Consumer Group name already exists") {
                    knownStreams.insert(String(decoding: command[2], as: UTF8.self))
                }
            }
        }
        metrics.schedulerTick.record(ContinuousClock.now - started)
        return sent
    }

    /// The job for a dispatched row: the password opened with the vault and sealed to the
    /// host. A row whose password cannot be opened is given back, never sent.
    private func makeJob(_ row: DispatchQuery.Row) -> JobMessage? {
        let historyDays: Double = row.pro ? 3650 : 30
        let now = Date()
        let from = row.historyCursor.map { ($0 - 2 * 86_400) * 1000 }
            ?? EpochMilliseconds.from(now.addingTimeInterval(-historyDays * 86_400))
        do {
            let hostKey = try HostKey.publicKey(fromBase64: row.hostPublicKey)
            let password = try vault.open(row.encryptedPassword, accountID: row.accountID)
            let sealed = try HostSeal.seal(password, toHostPublicKey: hostKey, jobID: row.jobID.uuidString.lowercased())
            return JobMessage(
                jobID: row.jobID, accountID: row.accountID, attempt: row.attempt, fence: row.fence, login: row.login,
                server: row.server, passwordSealed: sealed, historyFrom: max(0, from),
                historyTo: EpochMilliseconds.from(now.addingTimeInterval(2 * 86_400)),
                dispatchedAt: EpochMilliseconds.from(row.enqueuedAt), deadline: EpochMilliseconds.from(row.deadline),
                maxDeals: settings.maxDealsPerResult
            )
        } catch {
            // The error names a key id or the failure, never the password.
            logger.error("job not sent: credentials could not be prepared", metadata: [
                "job_id": "\(row.jobID)", "account_id": "\(row.accountID)", "error": "\(error)",
            ])
            let message = "stored credentials could not be prepared for the worker: \(error)"
            let interval = settings.interval
            Task { [pool] in
                try? await pool.execute(DispatchQuery.abandon, [row.jobID, row.enqueuedAt, message, row.accountID, interval])
            }
            return nil
        }
    }
}

/// Streams whose consumer group klarod has created, so it is done once per slot.
final class KnownStreams: Sendable {
    private let names = Mutex<Set<String>>([])

    func contains(_ name: String) -> Bool { names.withLock { $0.contains(name) } }
    func insert(_ name: String) { names.withLock { _ = $0.insert(name) } }
}
