import Foundation

/// A job waiting for a slot's queue, as far as its order is concerned.
public struct PendingSync: Sendable, Equatable {
    public var account: UUID
    public var due: Date
    /// The account's average sync time, in seconds (``SyncProfile/unmeasuredSyncSeconds`` when
    /// unknown).
    public var expectedSeconds: Double
    /// When its data breaks its promise (``SyncPolicy/stalenessDeadline(lastSuccess:syncClass:plan:stretch:)``);
    /// nil: never synced, its due time counts.
    public var deadline: Date?

    public init(account: UUID, due: Date, expectedSeconds: Double, deadline: Date? = nil) {
        self.account = account
        self.due = due
        self.expectedSeconds = expectedSeconds
        self.deadline = deadline
    }
}

/// The order in which a slot's queue takes its due jobs.
public enum RefillOrder {
    /// The refill window klarod dispatches with: jobs that fell due within the same 30 s of
    /// the clock count as one refill (a cycle boundary, an import, a restart's backlog). The
    /// dispatch statement's `klaro_refill_window` (migration 0013) and its index hold the same
    /// 30 s; change both together.
    public static let defaultWindow: TimeInterval = 30

    /// The refill window `due` falls in: ⌊Unix time ÷ `length`⌋, fixed windows of the clock
    /// (so every replica and the dispatch statement agree).
    public static func window(of due: Date, length: TimeInterval) -> Int64 {
        Int64((due.timeIntervalSince1970 / length).rounded(.down))
    }

    /// How far before its due time a job's staleness deadline can rank it (5 minutes): the
    /// quiet class's lead (10 % of 15 minutes, 153 s stretched) fits, while an account whose
    /// deadline passed long ago (retrying after failures) is not read by every tick until it
    /// is due.
    public static let maxLead: TimeInterval = 300

    /// Where a due job ranks: its staleness deadline, at most ``maxLead`` before its due time
    /// (no deadline: its due time). So the job whose promise breaks first goes first: a quiet
    /// account does not wait behind moving or dormant ones that still have time (on a busy
    /// slot, those that waited long last time have their deadline well after their due time),
    /// and an account that waited long last time is not made to wait long again. A deadline
    /// is never more than an interval after the last success, so no job starves.
    public static func rank(_ job: PendingSync) -> Date {
        guard let deadline = job.deadline else { return job.due }
        return max(deadline, job.due.addingTimeInterval(-maxLead))
    }

    /// What dispatch takes first from a slot's due jobs: refill windows of their ``rank(_:)``
    /// in order (a job is never passed by one that ranks in a later window, so it waits only
    /// for jobs ranking less than `window` after it), within a window the longest expected
    /// sync first (``longestFirst(_:)``), then the earliest rank, then account id. A `window`
    /// of 0 is by rank alone. The dispatch statement orders by the same key
    /// (`klaro_dispatch_rank`, migration 0016) and `klaro-bench fleet-sim` simulates it.
    public static func dispatch(_ jobs: [PendingSync], window: TimeInterval) -> [PendingSync] {
        let keyed = jobs.map { (rank: rank($0), job: $0) }
        guard window > 0 else {
            return keyed.sorted { ($0.rank, $0.job.account.uuidString) < ($1.rank, $1.job.account.uuidString) }.map(\.job)
        }
        return keyed.map { (Self.window(of: $0.rank, length: window), $0) }.sorted { a, b in
            if a.0 != b.0 { return a.0 < b.0 }
            if a.1.job.expectedSeconds != b.1.job.expectedSeconds { return a.1.job.expectedSeconds > b.1.job.expectedSeconds }
            return (a.1.rank, a.1.job.account.uuidString) < (b.1.rank, b.1.job.account.uuidString)
        }.map(\.1.job)
    }

    /// Longest expected sync first; ties: oldest due, then account id.
    private static func longer(_ a: PendingSync, _ b: PendingSync) -> Bool {
        if a.expectedSeconds != b.expectedSeconds { return a.expectedSeconds > b.expectedSeconds }
        return (a.due, a.account.uuidString) < (b.due, b.account.uuidString)
    }

    /// Oldest due first (the usual order); ties by account id, so every replica agrees.
    public static func oldestFirst(_ jobs: [PendingSync]) -> [PendingSync] {
        jobs.sorted { ($0.due, $0.account.uuidString) < ($1.due, $1.account.uuidString) }
    }

    /// Earliest staleness deadline first, among jobs already due: the job whose data is closest
    /// to breaking its class's promise goes first, so on a busy slot a quiet account does not
    /// wait behind moving ones that still have time (and an account that waited long last time
    /// is not made to wait long again). Ties: oldest due, then account id.
    public static func earliestDeadline(_ jobs: [PendingSync]) -> [PendingSync] {
        jobs.sorted { ($0.deadline ?? $0.due, $0.due, $0.account.uuidString) < ($1.deadline ?? $1.due, $1.due, $1.account.uuidString) }
    }

    /// Longest expected sync first, for a queue refilling at a cycle boundary where many jobs
    /// fall due together: short jobs then fill the gaps at the end instead of a long one
    /// starting last and overrunning the cycle (longest-processing-time-first). Ties: oldest
    /// due, then account id.
    public static func longestFirst(_ jobs: [PendingSync]) -> [PendingSync] {
        jobs.sorted(by: longer)
    }
}
