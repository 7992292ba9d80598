import Foundation

/// Where in its interval an account is synced: a fixed fraction of the interval taken from a
/// stable hash of its id, so accounts created, imported or re-phased together spread evenly
/// instead of all falling due at the same instant (no burst at the top of the quarter hour).
public enum SyncPhase {
    /// The account's phase as a fraction of any interval, in [0, 1); the same on every replica.
    public static func fraction(of account: UUID) -> Double {
        Double(StableHash.hash(account) >> 11) / Double(UInt64(1) << 53)
    }

    /// The first time at or after `date` on the account's grid: the instants
    /// `phase · interval + k · interval` counted from the Unix epoch.
    public static func nextSlot(of account: UUID, interval: TimeInterval, atOrAfter date: Date) -> Date {
        guard interval > 0 else { return date }
        let offset = fraction(of: account) * interval
        let since = date.timeIntervalSince1970 - offset
        let k = (since / interval).rounded(.up)
        return Date(timeIntervalSince1970: k * interval + offset)
    }

    /// When an account added in bulk (an import) is first due: its grid slot within the next
    /// `interval` from `now`. A single new account is due at once instead (as before).
    public static func firstDue(of account: UUID, interval: TimeInterval, now: Date) -> Date {
        nextSlot(of: account, interval: interval, atOrAfter: now)
    }

    /// An account's next due time after its catch-up sync at `now`, when it had been overdue
    /// by more than `interval` (klarod or the fleet was down): the grid slot nearest to
    /// `now + interval`, so it waits between half and one and a half intervals. Accounts caught
    /// up together (a backlog draining) then fall due again spread over one interval by their
    /// phases, instead of all at `now + interval`, bunched again cycle after cycle.
    public static func afterCatchUp(of account: UUID, interval: TimeInterval, now: Date) -> Date {
        guard interval > 0 else { return now }
        return nextSlot(of: account, interval: interval, atOrAfter: now.addingTimeInterval(interval / 2))
    }

    /// An account's due time after a restart or a long outage. One still due in the future
    /// keeps it; an overdue one goes to its grid slot within `spread` (at most its interval)
    /// of `now`, so a backlog drains evenly rather than all at once.
    public static func rephased(
        of account: UUID, due: Date, interval: TimeInterval, spread: TimeInterval, now: Date
    ) -> Date {
        if due > now { return due }
        let window = min(max(spread, 0), interval)
        guard window > 0 else { return now }
        return now.addingTimeInterval(fraction(of: account) * window)
    }
}
