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

    /// What dispatch takes first from a slot's due jobs: windows in order (a job is never
    /// passed by one that fell due in a later window, so it waits only for jobs that fell due
    /// less than `window` after it), and within a window ``longestFirst(_:)``. A `window` of
    /// 0 is ``oldestFirst(_:)``. The dispatch statement orders by the same key.
    public static func dispatch(_ jobs: [PendingSync], window: TimeInterval) -> [PendingSync] {
        guard window > 0 else { return oldestFirst(jobs) }
        return jobs.map { (Self.window(of: $0.due, length: window), $0) }.sorted { a, b in
            a.0 != b.0 ? a.0 < b.0 : longer(a.1, b.1)
        }.map(\.1)
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
