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
        jobs.sorted {
            if $0.expectedSeconds != $1.expectedSeconds { return $0.expectedSeconds > $1.expectedSeconds }
            return ($0.due, $0.account.uuidString) < ($1.due, $1.account.uuidString)
        }
    }
}
