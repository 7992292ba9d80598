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
/// A tick is one PostgreSQL transaction (``DispatchQuery``) and a Redis pipeline of XADDs per
/// part of the jobs, each sent as soon as its part is sealed (twice as many parts as cores).
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
    private let sealers = HostSealerCache()

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
        await leadership.everyRound(.milliseconds(Int(settings.schedulerTick * 1000)), logger: logger, failure: "scheduler tick failed") {
            try await tick()
        }
    }

    /// What one tick did and where its time went.
    public struct TickReport: Sendable {
        public var dispatched = 0
        /// Of them, taken by an idle slot from a busy one (work stealing).
        public var stolen = 0
        /// Of those, taken from a slot of another host (work stealing's second tier).
        public var stolenAcrossHosts = 0
        public var database: Duration = .zero
        /// Until the last part's jobs were sealed (the earlier parts' XADDs run beside it).
        public var sealing: Duration = .zero
        /// From then to the end: the last part's XADDs, the give-back and the tick's log lines.
        public var redis: Duration = .zero
    }

    /// Dispatches what is due now.
    @discardableResult
    public func tick() async throws -> TickReport {
        var report = TickReport()
        let started = ContinuousClock.now
        // No dispatch while Redis is away: the jobs would only wait for the rescuer.
        try await redis.ping()
        let settings = self.settings
        // Not retried on a lost connection: the commit may have happened, and a second run
        // would dispatch other accounts while these wait for the rescuer.
        let rows = try await pool.transaction(retryOnConnectionLoss: false) { connection in
            try DispatchQuery.run(
                connection, queueDepth: settings.queueDepth, deadlineSeconds: settings.jobDeadline, refillWindow: settings.refillWindow,
                stealAfter: settings.dispatchStealAfter, stealAcrossHostsAfter: settings.dispatchStealAcrossHostsAfter)
        }
        let queried = ContinuousClock.now
        report.database = queried - started
        // Each part's XADDs go out as soon as it is sealed, while the other parts seal: the
        // Redis round trip runs on the client's own thread, beside the sealing.
        var unsendable: [DispatchQuery.Row] = []
        var sent = 0
        var sealed = queried
        do {
            try await makeJobs(rows) { made in
                sealed = ContinuousClock.now
                unsendable += made.filter { $0.job == nil }.map { rows[$0.index] }
                sent += try await send(made.compactMap { index, job in job.map { (rows[index], $0) } })
            }
        } catch {
            // Redis failed part way: what was sent runs, the rest waits for the rescuer; the
            // rows already found unsendable are given back all the same.
            try await giveBack(unsendable)
            throw error
        }
        report.sealing = sealed - queried
        try await giveBack(unsendable)
        for row in rows {
            let message: Logger.Message = row.acrossHosts ? "dispatched to an idle slot of another host"
                : row.stolen ? "dispatched to an idle slot of its host" : "dispatched"
            logger.debug(message, metadata: [
                "job_id": "\(row.jobID)", "account_id": "\(row.accountID)", "host": "\(row.host)", "slot": "\(row.slot)",
                "attempt": "\(row.attempt)",
            ])
        }
        let stolen = rows.count(where: \.stolen)
        if stolen > 0 {
            let across = rows.count(where: \.acrossHosts)
            metrics.dispatchSteals.increment(by: Int64(stolen))
            if across > 0 { metrics.dispatchStealsAcrossHosts.increment(by: Int64(across)) }
            report.stolen = stolen
            report.stolenAcrossHosts = across
            logger.debug("idle slots took late jobs of busy slots", metadata: [
                "stolen": "\(stolen)", "across_hosts": "\(across)", "late_after_seconds": "\(settings.dispatchStealAfter ?? 0)",
                "across_hosts_after_seconds": "\(settings.dispatchStealAcrossHostsAfter.map { "\($0)" } ?? "off")",
            ])
        }
        report.redis = ContinuousClock.now - sealed
        report.dispatched = sent
        metrics.schedulerTick.record(ContinuousClock.now - started)
        return report
    }

    /// XADDs `jobs` (one pipeline; a slot's stream and group made first when klarod has not
    /// seen it yet) and returns how many were sent.
    private func send(_ jobs: [(row: DispatchQuery.Row, job: [UInt8])]) async throws -> Int {
        guard !jobs.isEmpty else { return 0 }
        var commands: [[[UInt8]]] = []
        commands.reserveCapacity(jobs.count)
        let xadd = RedisClient.xaddArguments(stream: "", maxLength: ProtocolKeys.jobStreamMaxLength, fields: [])
            .map { Array($0.utf8) }
        let field = Array("job".utf8)
        for (row, job) in jobs {
            let stream = ProtocolKeys.queue(row.host, row.slot)
            if !knownStreams.contains(stream) {
                commands.append(["XGROUP", "CREATE", stream, ProtocolKeys.slotGroup, "0", "MKSTREAM"].map { Array($0.utf8) })
            }
            // XADD <stream> MAXLEN ~ n * job <json>, the job already in bytes.
            var arguments = xadd
            arguments[1] = Array(stream.utf8)
            arguments += [field, job]
            commands.append(arguments)
        }
        let replies = try await redis.pipeline(commands)
        for (command, reply) in zip(commands, replies) where command.first == Array("XGROUP".utf8) {
            if reply.string == "OK" || reply == .error("BUSYGROUP Consumer Group name already exists") {
                knownStreams.insert(String(decoding: command[2], as: UTF8.self))
            }
        }
        return jobs.count
    }

    /// The jobs for the dispatched rows as JSON bytes (nil where a row is to be given back),
    /// handed to `sealed` part by part as each part is done, a part being a few hosts' rows in
    /// their order. Passwords are opened with the vault and sealed to their host with the
    /// host's ``HostSealer`` from ``HostSealerCache`` (a key agreement per host only when its
    /// ephemeral key's budget of time or messages is spent), the parts spread over the cores.
    private func makeJobs(
        _ rows: [DispatchQuery.Row], sealed: (_ made: [(index: Int, job: [UInt8]?)]) async throws -> Void
    ) async throws {
        sealers.removeExpired()
        guard !rows.isEmpty else { return }
        // Work is split by host, so each part makes the sealers of its own hosts (and a slot's
        // jobs stay in order in one pipeline); twice as many parts as cores, so the first are
        // sent while the last seal.
        let byHost = Dictionary(grouping: rows.indices, by: { rows[$0].host }).values.sorted { $0.count > $1.count }
        let parts = max(1, min(2 * ProcessInfo.processInfo.activeProcessorCount, rows.count / 64))
        var assignments = [[Int]](repeating: [], count: parts)
        for indices in byHost {
            let lightest = assignments.indices.min { assignments[$0].count < assignments[$1].count }!
            assignments[lightest] += indices
        }
        try await withThrowingTaskGroup(of: [(index: Int, job: [UInt8]?)].self) { group in
            for indices in assignments where !indices.isEmpty {
                let part = indices.map { ($0, rows[$0]) }
                let perHost = Dictionary(part.map { ($0.1.host, 1) }, uniquingKeysWith: +)
                group.addTask { [self] in
                    var sealers: [String: Result<HostSealer, any Error>] = [:]
                    return part.map { index, row in
                        let sealer = sealers[row.host] ?? Result {
                            try self.sealers.sealer(host: row.host, publicKeyBase64: row.hostPublicKey, messages: perHost[row.host] ?? 1)
                        }
                        sealers[row.host] = sealer
                        return (index, makeJob(row, sealer: sealer)?.jsonBytes())
                    }
                }
            }
            for try await made in group { try await sealed(made) }
        }
    }

    /// Gives back jobs whose password could not be opened or sealed: their runs finish as
    /// `terminal_error` and their accounts wait an interval (an operator must fix the key),
    /// written by the statement that ends every job.
    private func giveBack(_ rows: [DispatchQuery.Row]) async throws {
        guard !rows.isEmpty else { return }
        let settings = self.settings
        let message = "stored credentials could not be prepared for the worker (see klarod's log for the key id)"
        try await pool.withConnection { connection in
            // Each account's own interval, chosen as ingest chooses it.
            let classes = try connection.query("""
                SELECT s.account_id, s.sync_class, CASE WHEN $2 THEN klaro_user_plan(a.user_id) END
                FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id WHERE s.account_id = ANY($1::uuid[])
                """, [rows.map(\.accountID), !settings.policy.planTargets.isEmpty])
            var ofAccount: [UUID: (SyncClass, String?)] = [:]
            for row in classes { ofAccount[try row.uuid(0)] = (SyncClass(rawValue: try row.string(1)) ?? .quiet, row.stringOrNil(2)) }
            let stretch = try SyncStretchTable.read(connection)
            var writes = JobCompletionWrites()
            var rng = SystemRandomNumberGenerator()
            let now = Date()
            for row in rows {
                let (syncClass, plan) = ofAccount[row.accountID] ?? (.quiet, nil)
                let completion = JobCompletion.decide(
                    .abandoned, account: row.accountID, attempt: row.attempt, anchor: row.enqueuedAt, now: now,
                    interval: settings.policy.interval(syncClass, plan: plan, factors: stretch), policy: settings.retry, using: &rng)
                writes.add(
                    accountID: row.accountID, jobID: row.jobID, enqueuedAt: row.enqueuedAt, completion: completion, finishedAt: now,
                    error: (-2, message))
            }
            try writes.execute(connection)
        }
    }

    /// The job for one row. A row whose password cannot be opened or sealed is given back,
    /// never sent.
    private func makeJob(_ row: DispatchQuery.Row, sealer: Result<HostSealer, any Error>) -> JobMessage? {
        // A first sync fetches the whole history whatever the plan (the plan limits what the
        // API shows, not what is stored), so the balance curve starts at the first deposit.
        let now = Date()
        let from = HistoryWindow.from(cursor: row.historyCursor)
        do {
            let password = try vault.open(row.encryptedPassword, accountID: row.accountID)
            let binding = SealBinding(jobID: row.jobID, accountID: row.accountID, login: row.login, server: row.server)
            let sealed = try sealer.get().seal(password, binding: binding)
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
