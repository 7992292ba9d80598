import Foundation

/// A due job waiting on its own slot that another slot might take.
public struct StealableJob: Sendable, Equatable {
    public var account: UUID
    /// The slot the account is assigned to (stealing never changes it).
    public var slot: SlotID
    public var due: Date
    /// Its staleness deadline (``PendingSync/deadline``); nil: its due time counts.
    public var deadline: Date?
    /// Its average sync time in seconds (``PendingSync/expectedSeconds``).
    public var expectedSeconds: Double
    /// Pinned by an operator (`pinned_host`/`pinned_slot`): runs on its slot only.
    public var pinned: Bool
    /// A job of it is dispatched already.
    public var inFlight: Bool

    public init(
        account: UUID, slot: SlotID, due: Date, deadline: Date? = nil, expectedSeconds: Double = SyncProfile.unmeasuredSyncSeconds,
        pinned: Bool = false, inFlight: Bool = false
    ) {
        self.account = account
        self.slot = slot
        self.due = due
        self.deadline = deadline
        self.expectedSeconds = expectedSeconds
        self.pinned = pinned
        self.inFlight = inFlight
    }

    /// Where it ranks in its slot's queue: ``RefillOrder/rank(_:)``, the staleness deadline at
    /// most 300 s before the due time.
    public var rank: Date { RefillOrder.rank(pending) }

    var pending: PendingSync { PendingSync(account: account, due: due, expectedSeconds: expectedSeconds, deadline: deadline) }
}

/// A slot's queue as dispatch sees it: how many jobs it has room for and how many of its own
/// accounts are due.
public struct SlotRoom: Sendable, Equatable {
    public var slot: SlotID
    public var room: Int
    public var ownDue: Int
    /// Whether its spare room may take other hosts' jobs (the second tier): not on a cordoned
    /// host, which an operator keeps from new work; its own and its neighbours' jobs it runs.
    public var takesOtherHosts: Bool

    public init(slot: SlotID, room: Int, ownDue: Int, takesOtherHosts: Bool = true) {
        self.slot = slot
        self.room = room
        self.ownDue = ownDue
        self.takesOtherHosts = takesOtherHosts
    }

    /// Room left once its own due jobs are in: what it may steal.
    public var spare: Int { max(0, room - ownDue) }
}

/// Work stealing (issue 13): a slot with room left after all its own due jobs takes a late
/// job of a busy slot of the same host, so a short burst of due jobs on one slot does not wait
/// while its neighbours idle. Only a job late by at least ``defaultLateness``: a job due a few
/// seconds ago is its own slot's next, and a steal costs the thief a cold login. Same host
/// first: there the broker's data is warm and one host's terminals share its network path.
/// A burst a whole host cannot absorb goes, in a second tier, to spare room on other hosts once
/// late by the longer ``defaultAcrossHostsLateness`` (docs/scheduling.md has `klaro-bench
/// fleet-sim`'s figures). A pinned account's job and one in flight are never taken; the
/// account keeps its slot (placement and load relief own that).
public enum WorkStealing {
    /// How late a job must be (past its rank) before another slot may take it: 2 minutes.
    /// Shorter, a quiet account (ranked 90 s before its due time) is taken the moment it is
    /// due and steals multiply (`fleet-sim` at 1.0x: 90,000 a day at 60 s against 0–1,903 at
    /// 120 s, each a cold login); docs/scheduling.md has the figures.
    public static let defaultLateness: TimeInterval = 120

    /// Whether `job` is late enough to be taken at `now`: due, and its rank (its staleness
    /// deadline, or its due time) passed by `lateness`. So a job with time to spare (a deadline
    /// after its due time) stays with its slot, and a quiet account (a deadline before its due
    /// time) goes once its promise is about to break.
    public static func isLate(_ job: StealableJob, now: Date, lateness: TimeInterval) -> Bool {
        job.due <= now && job.rank.addingTimeInterval(lateness) <= now
    }

    /// Whether `thief` may take `job` at `now`: another slot of the same host, with room left
    /// after its own due jobs; the job late, not pinned, not in flight.
    public static func mayTake(_ job: StealableJob, thief: SlotRoom, now: Date, lateness: TimeInterval) -> Bool {
        thief.spare > 0 && job.slot != thief.slot && job.slot.host == thief.slot.host
            && !job.pinned && !job.inFlight && isLate(job, now: now, lateness: lateness)
    }

    /// How late a job must be (past its rank) before a slot of another host may take it
    /// (``assign(slots:jobs:now:lateness:acrossHostsAfter:window:)``'s second tier): 150 s,
    /// longer than ``defaultLateness``: a cross-host steal is a cold login on a terminal with no
    /// warm broker data, and an operator then sees a host's account synced on another host, so
    /// the host's own slots get the first 30 s. Not longer: a quiet account ranks 90 s before
    /// its due time, so at 150 s it waits a minute past due, and `fleet-sim` seed 16 (a burst
    /// of 38 due jobs on one host) keeps the quiet promise only up to ~150 s (at 180, 200 and
    /// 300 s: 16.3 min against fixed's 16.1); docs/scheduling.md has the figures.
    public static let defaultAcrossHostsLateness: TimeInterval = 150

    /// One tick's steals, in two tiers.
    ///
    /// First, within a host: for each host, the takeable jobs of its slots that have no spare
    /// room (a slot with room left would have taken its own), in the order their slots would
    /// take them (``RefillOrder/dispatch(_:window:)``: refill windows of the rank, the most
    /// late first, within one the longest first; the statement reads a victim's late entries in
    /// that index order and stops at what it needs), each paired with the next unit of spare
    /// room of the host's thieves taken round-robin (every thief's first before any second; within a round the most spare room
    /// first, then slot number).
    ///
    /// Then, with `acrossHostsAfter` set, across hosts: the spare room left anywhere in the
    /// fleet after the first tier (but on a cordoned host, ``SlotRoom/takesOtherHosts``) takes,
    /// the same way over the whole fleet (one order of the
    /// jobs, one round-robin of the units left), the takeable jobs the first tier left that
    /// are late by `acrossHostsAfter` (a host's own spare room is used up before any of its
    /// jobs is left, so these go to other hosts).
    ///
    /// With `acrossHostsPerSlot`, a slot offers the second tier at most that many of its jobs
    /// (its first in its own dispatch order): the dispatch statement passes its queue depth, so
    /// a tick reads a bounded number of entries per busy slot however much of the fleet idles
    /// (without it, half a fleet idle beside the other half 10 minutes late read ~50,000
    /// entries to dispatch 1,000: 944 ms, `ops/bench schedule`).
    ///
    /// So no job goes to two slots, the most late job goes to the emptiest queue, and the
    /// result depends only on the inputs, not their order. The dispatch statement pairs the
    /// same way (`DispatchQuery`). One entry per account in `jobs`.
    public static func assign(
        slots: [SlotRoom], jobs: [StealableJob], now: Date, lateness: TimeInterval = defaultLateness,
        acrossHostsAfter: TimeInterval? = nil, acrossHostsPerSlot: Int? = nil, window: TimeInterval = RefillOrder.defaultWindow
    ) -> [(account: UUID, thief: SlotID)] {
        let bySlot = Dictionary(slots.map { ($0.slot, $0) }, uniquingKeysWith: { a, _ in a })
        // Jobs of slots with room left are theirs (their slot takes them this tick).
        let takeable = jobs.filter { job in (bySlot[job.slot]?.spare ?? 0) == 0 && !job.pinned && !job.inFlight }
        var thieves = bySlot.values.filter { $0.spare > 0 }
        var result: [(account: UUID, thief: SlotID)] = []
        for host in Set(thieves.map(\.slot.host)).sorted() {
            let late = takeable.filter { $0.slot.host == host && isLate($0, now: now, lateness: lateness) }
            result += pair(late, with: thieves.filter { $0.slot.host == host }, window: window)
        }
        guard let acrossHostsAfter else { return result }
        let taken = Set(result.map(\.account))
        for i in thieves.indices { thieves[i].room -= result.count { $0.thief == thieves[i].slot } }
        var late = takeable.filter { !taken.contains($0.account) && isLate($0, now: now, lateness: acrossHostsAfter) }
        if let cap = acrossHostsPerSlot {
            let offered = Set(Dictionary(grouping: late, by: \.slot).values.flatMap { jobs in
                RefillOrder.dispatch(jobs.map(\.pending), window: window).prefix(max(0, cap)).map(\.account)
            })
            late = late.filter { offered.contains($0.account) }
        }
        return result + pair(late, with: thieves.filter { $0.spare > 0 && $0.takesOtherHosts }, window: window)
    }

    /// `jobs` in dispatch order, each with the next unit of the thieves' spare room (round-robin:
    /// every thief's first before any second; within a round the most spare first, then slot).
    private static func pair(_ jobs: [StealableJob], with thieves: [SlotRoom], window: TimeInterval) -> [(account: UUID, thief: SlotID)] {
        guard let most = thieves.map(\.spare).max(), most > 0, !jobs.isEmpty else { return [] }
        let units = (1...most).flatMap { round in
            thieves.filter { $0.spare >= round }.sorted { ($1.spare, $0.slot) < ($0.spare, $1.slot) }.map(\.slot)
        }
        return zip(RefillOrder.dispatch(jobs.map(\.pending), window: window), units).map { ($0.account, $1) }
    }
}
