import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry

/// What ingesting one result came to.
enum IngestVerdict: Sendable {
    /// Written; the sync's facts for metrics and logs.
    case applied(AppliedSync)
    /// A second copy of a result already ingested: nothing changed.
    case duplicate(entryID: String)
    /// Not accepted (it goes to the dead-letter stream).
    case rejected(Rejection)
}

/// A sync that was recorded.
struct AppliedSync: Sendable {
    let entryID: String
    let jobID: UUID
    let accountID: UUID
    let host: String
    let slot: Int
    let outcome: SyncOutcome
    let queueWait: Double?
    let duration: Double
    let login: Double?
    /// How the job ended and what its account does next.
    let completion: JobCompletion
    /// The account's class, sync time average and newest deal after a successful sync.
    let schedule: JobCompletionWrites.ScheduleFacts?
    /// After a success that followed another: the account's class and the time since that one.
    let achievedInterval: (syncClass: SyncClass, seconds: Double)?
}

/// Writes a batch of results in one PostgreSQL transaction (DESIGN §3.4): checks each against
/// the job it answers, then finishes the runs, stores snapshots, replaces positions, adds
/// deals, rebuilds the trades those deals touch and moves each account on — a fixed number of
/// set-based statements however many results the batch holds.
struct IngestStore: Sendable {
    let settings: SyncSettings
    let retryPolicy: RetryPolicy

    /// The schedule of an account, locked for the transaction.
    struct AccountState {
        let inflightJobID: UUID?
        let enqueuedAt: Date?
        let host: String?
        let slot: Int?
        let fence: Int64
        let attempt: Int
        let anchor: Date?
        let nextSyncAt: Date
        let createdAt: Date
        let averageSyncMs: Int?
        let lastDealAt: Date?
        let syncClass: SyncClass
        let lastSuccessAt: Date?
        /// The owner's plan, read only when plans have targets of their own.
        let plan: String?
    }

    /// Ingests `results`, whose account ids must be distinct. Runs on a pool thread, inside
    /// a transaction the caller opened.
    func ingest(_ results: [IncomingResult], connection: PostgresConnection, now: Date) throws -> [IngestVerdict] {
        // Only a success or a park writes the wide row (JobCompletionWrites): a failure leaves it unlocked.
        let writesWide = results.filter { $0.message.outcome == .ok || $0.message.outcome.parksAccount }.map(\.message.accountID)
        let accounts = try lockAccounts(results.map(\.message.accountID), writingWide: writesWide, connection: connection)
        var verdicts: [IngestVerdict?] = Array(repeating: nil, count: results.count)
        var accepted: [(index: Int, state: AccountState)] = []
        var unmatched: [Int] = []
        for (index, result) in results.enumerated() {
            let message = result.message
            guard let state = accounts[message.accountID], state.inflightJobID == message.jobID else {
                unmatched.append(index)
                continue
            }
            if state.host != message.host || state.slot != message.slot {
                verdicts[index] = .rejected(rejection(result, .wrongSlot, "sent to \(state.host ?? "?"):\(state.slot ?? 0), reported by \(message.host):\(message.slot)"))
            } else if state.fence != message.fence {
                verdicts[index] = .rejected(rejection(result, .staleFence, "fence \(message.fence), the job's is \(state.fence)"))
            } else {
                accepted.append((index, state))
            }
        }
        for (index, verdict) in try classifyUnmatched(unmatched.map { results[$0] }, connection: connection).enumerated() {
            verdicts[unmatched[index]] = verdict
        }
        var rng = SystemRandomNumberGenerator()
        var writes = IngestWrites()
        let stretch = accepted.isEmpty ? [:] : try SyncStretchTable.read(connection)
        for (index, state) in accepted {
            let applied = decide(results[index], state: state, stretch: stretch, now: now, rng: &rng)
            writes.add(results[index].message, applied: applied, enqueuedAt: state.enqueuedAt ?? now)
            verdicts[index] = .applied(applied)
        }
        try writes.execute(connection)
        return verdicts.map { $0! }
    }

    // MARK: Checks

    /// Locks the schedule rows of `ids` and, before them, the account rows of `writingWide`
    /// (the results that may write the wide row: a success, a park).
    private func lockAccounts(_ ids: [UUID], writingWide: [UUID], connection: PostgresConnection) throws -> [UUID: AccountState] {
        // Locked in id order, so two ingesting replicas cannot deadlock; the account rows before
        // any schedule row, as every writer of both does. A failure's account row is not locked:
        // its completion writes only the schedule row (migration 0021).
        if !writingWide.isEmpty {
            _ = try connection.query(
                "SELECT id FROM user_mt5_accounts WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE", [writingWide])
        }
        let rows = try connection.query("""
            SELECT s.account_id, s.inflight_job_id, s.inflight_enqueued_at, s.inflight_host, s.inflight_slot, s.fence,
                   s.attempt, s.interval_anchor, s.next_sync_at, s.created_at, s.avg_sync_ms, s.last_deal_at,
                   s.sync_class, s.last_success_at, CASE WHEN $2 THEN klaro_user_plan(a.user_id) END
            FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id
            WHERE a.id = ANY($1::uuid[]) ORDER BY a.id FOR UPDATE OF s
            """, [ids, !settings.policy.planTargets.isEmpty])
        var states: [UUID: AccountState] = [:]
        for row in rows {
            states[try row.uuid(0)] = AccountState(
                inflightJobID: try row.uuidOrNil(1), enqueuedAt: try row.dateOrNil(2), host: row.stringOrNil(3),
                slot: try row.intOrNil(4), fence: try row.int64(5), attempt: try row.int(6), anchor: try row.dateOrNil(7),
                nextSyncAt: try row.date(8), createdAt: try row.date(9), averageSyncMs: try row.intOrNil(10),
                lastDealAt: try row.dateOrNil(11), syncClass: SyncClass(rawValue: try row.string(12)) ?? .quiet,
                lastSuccessAt: try row.dateOrNil(13), plan: row.stringOrNil(14)
            )
        }
        return states
    }

    /// Results that do not answer their account's job in flight: a repeat, a latecomer, or a
    /// result for a job klarod never sent that way.
    private func classifyUnmatched(_ results: [IncomingResult], connection: PostgresConnection) throws -> [IngestVerdict] {
        guard !results.isEmpty else { return [] }
        let rows = try connection.query("""
            SELECT job_id, account_id, host_id, slot, fence, state, outcome
            FROM sync_runs WHERE job_id = ANY($1::uuid[])
            """, [results.map(\.message.jobID)])
        var runs: [UUID: (account: UUID, host: String, slot: Int, fence: Int64, finished: Bool, outcome: String?)] = [:]
        for row in rows {
            runs[try row.uuid(0)] = (try row.uuid(1), try row.string(2), try row.int(3), try row.int64(4), try row.string(5) == "finished", row.stringOrNil(6))
        }
        return results.map { result in
            let message = result.message
            guard let run = runs[message.jobID] else {
                return .rejected(rejection(result, .unknownJob, "no job \(message.jobID.uuidString.lowercased()) was dispatched"))
            }
            if run.account != message.accountID {
                return .rejected(rejection(result, .accountMismatch, "the job was for another account"))
            }
            if run.host != message.host || run.slot != message.slot {
                return .rejected(rejection(result, .wrongSlot, "sent to \(run.host):\(run.slot), reported by \(message.host):\(message.slot)"))
            }
            if run.fence != message.fence {
                return .rejected(rejection(result, .staleFence, "fence \(message.fence), the job's is \(run.fence)"))
            }
            if run.finished && run.outcome == SyncOutcome.lost.rawValue {
                return .rejected(rejection(result, .lateResult, "the job was already given up as lost"))
            }
            if run.finished { return .duplicate(entryID: result.entryID) }
            return .rejected(rejection(result, .staleFence, "the job is no longer the account's job in flight"))
        }
    }

    private func rejection(_ result: IncomingResult, _ reason: ResultRejectionReason, _ detail: String) -> Rejection {
        Rejection(entryID: result.entryID, reason: reason, detail: detail)
    }

    // MARK: Decision

    /// How the job ended and when the account syncs next: one interval of its class (as this
    /// result shows it) for its owner's plan, stretched as the leader's policy says (`stretch`),
    /// less the account's average sync time (``SyncPolicy/scheduledInterval(_:expectedSyncSeconds:)``).
    private func decide(
        _ result: IncomingResult, state: AccountState, stretch: [SyncClass: Double], now: Date, rng: inout SystemRandomNumberGenerator
    ) -> AppliedSync {
        let message = result.message
        let schedule = scheduleFacts(message, state: state, stretch: stretch, now: now)
        let syncClass = schedule?.syncClass ?? state.syncClass
        // Aimed early by the account's measured sync time: the target is a promise on staleness
        // (issue 13); an account never measured is scheduled on its target.
        let averageMs = schedule?.averageSyncMs ?? state.averageSyncMs
        let interval = settings.policy.scheduledInterval(
            settings.policy.interval(syncClass, plan: state.plan, factors: stretch),
            expectedSyncSeconds: averageMs.map { Double($0) / 1000 } ?? 0)
        let completion = JobCompletion.decide(
            .result(message.outcome, dealsTruncated: message.dealsTruncated), account: message.accountID, attempt: state.attempt,
            anchor: state.anchor ?? state.nextSyncAt, now: now, interval: interval, policy: retryPolicy, using: &rng
        )
        let enqueuedMs = state.enqueuedAt.map(EpochMilliseconds.from)
        return AppliedSync(
            entryID: result.entryID, jobID: message.jobID, accountID: message.accountID, host: message.host, slot: message.slot,
            outcome: message.outcome,
            queueWait: enqueuedMs.map { max(0, Double(message.startedAt - $0) / 1000) },
            duration: Double(message.finishedAt - message.startedAt) / 1000,
            login: message.loginMs.map { Double($0) / 1000 },
            completion: completion,
            schedule: schedule,
            achievedInterval: completion.succeeded ? state.lastSuccessAt.map { (syncClass, now.timeIntervalSince($0)) } : nil
        )
    }

    /// What a successful sync says about how the account moves (``SyncClass``) and how long
    /// it takes to sync (``SyncTimeAverage`` of login + fetch), and when its data, new as of
    /// this sync's end, breaks its class's promise (``SyncPolicy/stalenessDeadline(lastSuccess:syncClass:plan:factors:)``,
    /// which dispatch orders by). Deal times are the broker's clock read as UTC, like
    /// `history_cursor`: hours off at most, against a window of a day.
    private func scheduleFacts(
        _ message: ResultMessage, state: AccountState, stretch: [SyncClass: Double], now: Date
    ) -> JobCompletionWrites.ScheduleFacts? {
        guard message.outcome == .ok else { return nil }
        let newestDeal = message.deals?.map(\.time).max().map { Date(timeIntervalSince1970: TimeInterval($0)) }
        let lastDealAt = [state.lastDealAt, newestDeal].compactMap { $0 }.max()
        let sample: Int? = switch (message.loginMs, message.fetchMs) {
        case (nil, nil): nil
        case let (login, fetch): Int(clamping: (login ?? 0) + (fetch ?? 0))
        }
        let syncClass = SyncClass.classify(
            openPositions: message.positions?.count ?? 0, lastDealAt: lastDealAt, knownSince: state.createdAt, now: now
        )
        return JobCompletionWrites.ScheduleFacts(
            syncClass: syncClass,
            averageSyncMs: SyncTimeAverage.next(previous: state.averageSyncMs, sample: sample),
            lastDealAt: lastDealAt,
            // last_success_at is the result's finish time (JobCompletionWrites).
            stalenessDeadline: settings.policy.stalenessDeadline(
                lastSuccess: EpochMilliseconds.date(message.finishedAt), syncClass: syncClass, plan: state.plan, factors: stretch)
        )
    }
}
