import Foundation
import KlaroCore

/// A day of a simulated fleet in virtual time, for `klaro-bench fleet-sim`: accounts placed on
/// slots by KlaroCore's `Placement` as klarod places them (by load, `PlacementWork`), each slot
/// running its due jobs in the refill order (`--refill`), intervals from KlaroCore's
/// `SyncPolicy` (adaptive, as ingest schedules them) or a fixed 15 minutes. All slots (hosts
/// `sim-N` of 4 slots) run in one event loop in time order, so a slot falling idle can take a
/// late job of a busy neighbour, or one late by the longer threshold of a busy host elsewhere,
/// as klarod's dispatch does (`WorkStealing`'s two tiers); both schedules run on the same model.
///
/// Accounts really trade or not (`trading`); Klaro only knows the class it classified at the
/// last sync (`SyncClass.classify` on what that sync saw), so a dormant account that starts
/// trading is seen at its next sync, as in production.
struct FleetSimulation {
    enum Schedule: String { case adaptive, fixed }
    /// The order in which a slot takes its due jobs.
    /// A slot's order for its due jobs: `dispatch` as klarod's dispatch statement takes them
    /// (``RefillOrder/dispatch(_:window:)``: 30 s windows of the rank — the staleness deadline,
    /// at most 5 minutes before the due time — longest first within one), `deadline` by
    /// staleness deadline alone (``RefillOrder/earliestDeadline(_:)``), `due` oldest due first.
    enum Refill: String, CaseIterable { case dispatch, deadline, due }
    /// KlaroCore's `Placement` with every account weighing 1 (by count, as klarod placed before
    /// issue 13), or weighing its sync time × frequency (by load, as klarod places now).
    enum PlacementKind: String, CaseIterable { case count, load }

    struct Figures {
        var movingP50 = 0.0, movingP95 = 0.0, allP95 = 0.0, quietMax = 0.0
        var utilisation = 0.0, maxQueueWait = 0.0
        var pastStale = 0
        /// Largest gap between two syncs of one account ÷ its class's target.
        var worstGapRatio = 0.0
        /// Busy share of the day per slot: least, median, most.
        var slotUtilisation = (min: 0.0, median: 0.0, max: 0.0)
        /// Load relief's moves in each hour of the day.
        var loadMoves = [Int](repeating: 0, count: 24)
        /// Jobs an idle slot took from a busy neighbour, in each hour of the day.
        var steals = [Int](repeating: 0, count: 24)
        /// Jobs an idle slot took from a busy slot of another host (the second tier), each hour.
        var stealsAcrossHosts = [Int](repeating: 0, count: 24)
        /// Where the oldest quiet data and the longest gap happened, and what the fleet was doing.
        var quietWorst = Moment(), gapWorst = Moment()
    }

    /// A moment of the day as the sim saw it: the account's host, how many of its slots were
    /// busy and how many due jobs waited there, and how many slots of the whole fleet were idle.
    struct Moment {
        var time = 0.0, slot = "", hostBusy = 0, hostWaiting = 0, fleetIdle = 0
        var description: String {
            String(format: "at %.2f h on %@: %d of its host's 4 slots busy, %d due jobs waiting there; %d slots idle in the fleet (at the end of that minute)",
                   time / 3_600, slot, hostBusy, hostWaiting, fleetIdle)
        }
    }

    private struct Account {
        var id: UUID
        var slot: Int
        var medianSync: Double
        var trading: Bool
        var lastDeal: Double?
        var known: SyncClass
        /// The class before the last sync, for samples taken while that sync was still running.
        var previousKnown: SyncClass = .quiet
        var averageMs: Int?
        var due: Double
        var lastSync: Double
        var previousSync: Double
        var tradingSince: Double
        var stale = false
        /// Moved by load relief and not synced since: its next sync logs in cold.
        var cold = false
        /// Its staleness deadline, as ingest stores it at a success (adaptive only).
        var deadline: Double?
    }

    static let day: Double = 86_400
    static let slotsPerHost = 4
    static let warmUp: Double = 3_600
    static let fixedInterval: Double = 900
    /// Seconds since the epoch at virtual time 0 (phases are on the epoch's grid).
    static let epoch: Double = 1_700_006_400

    let schedule: Schedule
    let policy: SyncPolicy
    private var accounts: [Account] = []
    private var queues: [SlotQueue]
    private var ready: [SlotQueue]
    private var readyDue: [Double] = []
    private var slotBusy: [Double] = []
    let refill: Refill
    /// Load relief's budget per hour (0: off) and the bound it acts at.
    let loadMovesPerHour: Int
    let epsilon: Double
    private let slotList: [PlacementSlot]
    /// When each relief move of the last hour happened.
    private var recentMoves: [Double] = []
    private var freeAt: [Double]
    /// How late a neighbour's job must be before an idle slot takes it; nil: no stealing.
    let stealAfter: Double?
    /// Accounts each slot's terminal synced as a thief (logged in before: no cold login).
    private var stolenBefore: [Set<Int32>]
    /// A thief whose steal the rule refused at an instant retries just after it.
    private var noStealBefore: [Double]
    /// How late a busy slot's job must be before a slot of another host takes it; nil: never.
    let stealAcrossHostsAfter: Double?
    /// Per slot, `firstLate`'s answer until its queue changes (at `stealAfter`, at `stealAcrossHostsAfter`).
    private var lateCache: [Double?]
    private var farLateCache: [Double?]
    private var rng: SplitMix64
    private var busy = 0.0
    private var figures = Figures()
    private var moving = Histogram(), all = Histogram()

    /// A fleet of `accountCount` accounts (30 % moving, 20 % quiet, 50 % dormant) on
    /// `slotCount` slots; the same `seed` gives the same fleet to both schedules.
    init(
        schedule: Schedule, placement kind: PlacementKind, refill: Refill = .dispatch, epsilon: Double, policy: SyncPolicy,
        accountCount: Int, slotCount: Int, seed: UInt64, loadMovesPerHour: Int = Placement.defaultLoadMovesPerHour,
        stealAfter: Double? = WorkStealing.defaultLateness, stealAcrossHostsAfter: Double? = WorkStealing.defaultAcrossHostsLateness
    ) throws {
        self.stealAfter = stealAfter
        self.stealAcrossHostsAfter = stealAfter == nil ? nil : stealAcrossHostsAfter
        farLateCache = Array(repeating: nil, count: slotCount)
        stolenBefore = Array(repeating: [], count: slotCount)
        noStealBefore = Array(repeating: 0, count: slotCount)
        lateCache = Array(repeating: nil, count: slotCount)
        self.schedule = schedule
        self.refill = refill
        self.loadMovesPerHour = loadMovesPerHour
        self.epsilon = epsilon
        self.policy = policy
        rng = SplitMix64(seed: seed)
        queues = Array(repeating: SlotQueue(), count: slotCount)
        ready = Array(repeating: SlotQueue(), count: slotCount)
        freeAt = Array(repeating: 0, count: slotCount)
        let slots = (0..<slotCount).map {
            PlacementSlot(id: SlotID(host: "sim-\($0 / Self.slotsPerHost)", index: $0 % Self.slotsPerHost + 1))
        }
        slotList = slots
        // 12 broker servers whose median sync time differs (log-normal around 5 s).
        let servers = (0..<12).map { i in (name: "Broker-\(i)", median: 5 * exp(0.3 * Self.normal(&rng))) }
        var population: [PlacementAccount] = []
        for i in 0..<accountCount {
            let id = Self.uuid(&rng)
            let server = servers[Int(rng.next() % UInt64(servers.count))]
            let share = Double(i % 100) / 100
            let (trading, lastDeal): (Bool, Double?) = switch share {
            case ..<0.23: (true, -Double.random(in: 0...86_400, using: &rng))
            case ..<0.30: (false, -Double.random(in: 0...80_000, using: &rng))
            case ..<0.50: (false, -Double.random(in: 90_000...580_000, using: &rng))
            default: (false, i % 3 == 0 ? nil : -Double.random(in: 700_000...5_000_000, using: &rng))
            }
            // A fleet that has run before: one measured sync each, as `avg_sync_ms` holds it.
            let measured = Int(server.median * exp(0.4 * Self.normal(&rng)) * 1000)
            var account = Account(
                id: id, slot: 0, medianSync: server.median, trading: trading, lastDeal: lastDeal,
                known: .quiet, averageMs: measured, due: 0, lastSync: 0, previousSync: 0, tradingSince: -86_400
            )
            account.known = Self.classify(account, at: 0)
            account.previousKnown = account.known
            let interval = schedule == .fixed ? Self.fixedInterval : policy.target(account.known)
            account.due = SyncPhase.firstDue(of: id, interval: interval, now: Self.date(0)).timeIntervalSince1970 - Self.epoch
            account.lastSync = account.due - interval
            account.previousSync = account.lastSync - interval
            accounts.append(account)
            population.append(PlacementAccount(id: id, server: server.name))
        }
        if kind == .load {
            // Weighed as klarod weighs them: average sync time ÷ interval (target × stretch).
            let stretch = policy.stretch(loads: SyncProfile.loads(accounts.map {
                SyncProfile(syncClass: $0.known, averageSyncMs: $0.averageMs)
            }), slots: slotCount)
            let median = PlacementWork.defaultSyncSeconds(measuredMs: accounts.compactMap(\.averageMs))
            for i in accounts.indices {
                population[i].load = schedule == .fixed
                    ? PlacementWork.load(averageSyncMs: accounts[i].averageMs, defaultSeconds: median, interval: Self.fixedInterval)
                    : PlacementWork.load(averageSyncMs: accounts[i].averageMs, defaultSeconds: median, syncClass: accounts[i].known,
                                         plan: nil, policy: policy, stretch: stretch.factors)
            }
        }
        let assignments = try Placement.place(slots: slots, accounts: population, options: PlacementOptions(epsilon: epsilon)).assignments
        readyDue = Array(repeating: 0, count: accounts.count)
        slotBusy = Array(repeating: 0, count: slotCount)
        let index = Dictionary(uniqueKeysWithValues: slots.enumerated().map { ($1.id, $0) })
        for i in accounts.indices {
            accounts[i].slot = index[assignments[accounts[i].id]!]!
            queues[accounts[i].slot].push(due: accounts[i].due, account: Int32(i))
        }
    }

    /// Runs 24 virtual hours, a minute at a time, and returns the figures.
    mutating func run() -> Figures {
        var stretch = policy.stretch(loads: loads(), slots: freeAt.count)
        var minute = 0.0
        while minute < Self.day {
            let end = minute + 60
            if Int(minute) % 3_600 == 0 { changeTrading(at: minute) }
            runSlots(until: end, stretch: stretch)
            sample(at: end)
            if schedule == .adaptive { stretch = policy.stretch(loads: loads(), slots: freeAt.count) }
            if loadMovesPerHour > 0, Int(end) % Int(Placement.loadReliefPeriod) == 0 { relieve(at: end, stretch: stretch) }
            minute = end
        }
        figures.utilisation = busy / (Self.day * Double(freeAt.count))
        let perSlot = slotBusy.map { $0 / Self.day }.sorted()
        figures.slotUtilisation = (perSlot.first ?? 0, perSlot[perSlot.count / 2], perSlot.last ?? 0)
        figures.movingP50 = moving.quantile(0.5)
        figures.movingP95 = moving.quantile(0.95)
        figures.allP95 = all.quantile(0.95)
        figures.pastStale = accounts.count(where: \.stale)
        return figures
    }

    /// klarod's load relief at `now`: every account weighed as klarod weighs it (class and
    /// measured sync time, `PlacementWork`), at most the hour's budget left of moves. A moved
    /// account's queued job goes to its new slot; a job running finishes where it is.
    private mutating func relieve(at now: Double, stretch: SyncStretch) {
        recentMoves.removeAll { $0 <= now - 3_600 }
        let budget = loadMovesPerHour - recentMoves.count
        guard budget > 0 else { return }
        let median = PlacementWork.defaultSyncSeconds(measuredMs: accounts.compactMap(\.averageMs))
        let population = accounts.map { account in
            PlacementAccount(
                id: account.id, current: slotList[account.slot].id,
                load: schedule == .fixed
                    ? PlacementWork.load(averageSyncMs: account.averageMs, defaultSeconds: median, interval: Self.fixedInterval)
                    : PlacementWork.load(averageSyncMs: account.averageMs, defaultSeconds: median, syncClass: account.known,
                                         plan: nil, policy: policy, stretch: stretch.factors))
        }
        guard let moves = try? Placement.relieve(
            slots: slotList, accounts: population, options: PlacementOptions(epsilon: Placement.reliefEpsilon(placement: epsilon)), maxMoves: budget).moves,
            !moves.isEmpty else { return }
        let account = Dictionary(uniqueKeysWithValues: accounts.indices.map { (accounts[$0].id, $0) })
        let slot = Dictionary(uniqueKeysWithValues: slotList.indices.map { (slotList[$0].id, $0) })
        for move in moves {
            guard let i = account[move.account], let to = slot[move.to] else { continue }
            let from = accounts[i].slot
            let due = queues[from].remove(account: Int32(i)) ?? ready[from].remove(account: Int32(i)).map { _ in readyDue[i] }
            accounts[i].slot = to
            accounts[i].cold = true
            if let due {
                noteRemoved(Int32(i), due: due, from: from)
                queues[to].push(due: due, account: Int32(i))
                noteAdded(Int32(i), due: due, to: to)
            }
            recentMoves.append(now)
        }
        figures.loadMoves[min(23, Int((now - 1) / 3_600))] += moves.count
    }

    private func loads() -> [SyncLoad] {
        SyncProfile.loads(accounts.lazy.map { SyncProfile(syncClass: $0.known, averageSyncMs: $0.averageMs) })
    }

    /// The next due time's distance from this one: fixed 15 minutes, or as klarod's ingest
    /// schedules it (`SyncPolicy.scheduledInterval`, from the account's average sync time).
    private func interval(_ account: Account, _ stretch: SyncStretch) -> Double {
        guard schedule == .adaptive else { return Self.fixedInterval }
        let expected = account.averageMs.map { Double($0) / 1000 } ?? SyncProfile.unmeasuredSyncSeconds
        return policy.scheduledInterval(account.known, stretch: stretch, expectedSyncSeconds: expected)
    }

    /// Starts every job that can start before `end`, in time order over the whole fleet: a slot
    /// free with due jobs of its own takes the first in the refill order; a slot free with none
    /// takes a neighbour's job once it is late by `stealAfter`, or a job of another host once
    /// late by `stealAcrossHostsAfter` (at a tie, own jobs first).
    private mutating func runSlots(until end: Double, stretch: SyncStretch) {
        let count = freeAt.count
        while true {
            var next: (time: Double, slot: Int, steal: Bool)?
            for slot in 0..<count {
                guard let t = ownStart(slot), t < end, next.map({ t < $0.time }) ?? true else { continue }
                next = (t, slot, false)
            }
            if stealAfter != nil {
                for host in stride(from: 0, to: count, by: Self.slotsPerHost) {
                    let slots = host..<min(host + Self.slotsPerHost, count)
                    // The two earliest late times of the host's slots: a slot's neighbours' earliest
                    // is the first, or the second when the first is its own (no allocation: hot loop).
                    var first = (time: Double.infinity, slot: -1), second = Double.infinity
                    for slot in slots {
                        let t = firstLate(slot)
                        if t < first.time { second = first.time; first = (t, slot) } else if t < second { second = t }
                    }
                    for slot in slots {
                        // Before its own next job is due (else that one comes first, above).
                        let late = first.slot == slot ? second : first.time
                        let t = max(freeAt[slot], noStealBefore[slot], late)
                        guard t < end, next.map({ t < $0.time }) ?? true else { continue }
                        next = (t, slot, true)
                    }
                }
            }
            if stealAcrossHostsAfter != nil {
                // The earliest far-late time of the fleet and the earliest of another host than
                // its: a slot's other hosts' earliest is one of the two.
                var first = (time: Double.infinity, host: -1), second = Double.infinity
                for slot in 0..<count {
                    let t = firstFarLate(slot), host = slot / Self.slotsPerHost
                    if t < first.time {
                        if host != first.host { second = first.time }
                        first = (t, host)
                    } else if host != first.host, t < second {
                        second = t
                    }
                }
                if first.time < end {
                    for slot in 0..<count {
                        let late = first.host == slot / Self.slotsPerHost ? second : first.time
                        let t = max(freeAt[slot], noStealBefore[slot], late)
                        guard t < end, next.map({ t < $0.time }) ?? true else { continue }
                        next = (t, slot, true)
                    }
                }
            }
            guard let next else { return }
            if next.steal {
                if !steal(into: next.slot, at: next.time, stretch: stretch) { noStealBefore[next.slot] = next.time + 0.001 }
            } else {
                startOwn(next.slot, at: next.time, stretch: stretch)
            }
        }
    }

    /// When `slot` can start a job of its own: when it is free, if one is due by then.
    private func ownStart(_ slot: Int) -> Double? {
        if ready[slot].top != nil { return freeAt[slot] }
        return queues[slot].top.map { max(freeAt[slot], $0.0) }
    }

    /// Account `i`'s staleness deadline as ingest stored it at its last sync (nil for the fixed
    /// schedule and before the first sync: its due time counts).
    private func deadline(_ i: Int) -> Date? { accounts[i].deadline.map(Self.date) }

    /// When account `i`'s job, due at `due`, becomes late enough to be taken by
    /// `WorkStealing.isLate`: due, and its rank (`RefillOrder.rank` in the sim's seconds: the
    /// deadline, at most maxLead before the due time) passed by the lateness.
    private func lateAt(_ i: Int32, _ due: Double, after lateness: Double? = nil) -> Double {
        max(due, max(accounts[Int(i)].deadline ?? due, due - RefillOrder.maxLead) + (lateness ?? stealAfter ?? 0))
    }

    /// The same at the second tier's lateness.
    private func farLateAt(_ i: Int32, _ due: Double) -> Double { lateAt(i, due, after: stealAcrossHostsAfter ?? .infinity) }

    /// `firstLate`'s caches after a job joined `slot`'s waiting jobs.
    private mutating func noteAdded(_ i: Int32, due: Double, to slot: Int) {
        if let cached = lateCache[slot] { lateCache[slot] = min(cached, lateAt(i, due)) }
        if let cached = farLateCache[slot] { farLateCache[slot] = min(cached, farLateAt(i, due)) }
    }

    /// `firstLate`'s caches after a job left `slot`'s waiting jobs: read again only if it was the first.
    private mutating func noteRemoved(_ i: Int32, due: Double, from slot: Int) {
        if let cached = lateCache[slot], lateAt(i, due) <= cached { lateCache[slot] = nil }
        if let cached = farLateCache[slot], farLateAt(i, due) <= cached { farLateCache[slot] = nil }
    }

    /// `firstLate` at the second tier's lateness; infinity: none, or the tier off.
    private mutating func firstFarLate(_ slot: Int) -> Double {
        if let cached = farLateCache[slot] { return cached }
        var first = Double.infinity
        if stealAcrossHostsAfter != nil {
            for entry in ready[slot].entries { first = min(first, farLateAt(entry.account, readyDue[Int(entry.account)])) }
            for entry in queues[slot].entries { first = min(first, farLateAt(entry.account, entry.due)) }
        }
        farLateCache[slot] = first
        return first
    }

    /// When the first of `slot`'s waiting jobs becomes late enough to be taken (`lateAt`);
    /// infinity: none. Kept up to date by `noteAdded` and `noteRemoved`.
    private mutating func firstLate(_ slot: Int) -> Double {
        if let cached = lateCache[slot] { return cached }
        var first = Double.infinity
        for entry in ready[slot].entries { first = min(first, lateAt(entry.account, readyDue[Int(entry.account)])) }
        for entry in queues[slot].entries { first = min(first, lateAt(entry.account, entry.due)) }
        lateCache[slot] = first
        return first
    }

    /// Of the jobs due when `slot` is free, the one first in the policy's refill order.
    private mutating func startOwn(_ slot: Int, at now: Double, stretch: SyncStretch) {
        while let (due, i) = queues[slot].top, due <= now {
            queues[slot].pop()
            let (key, tie) = priority(Int(i), due: due, stretch: stretch)
            ready[slot].push(due: key, account: i, tie: tie)
        }
        guard let (_, i) = ready[slot].top else { return }
        ready[slot].pop()
        noteRemoved(i, due: readyDue[Int(i)], from: slot)
        run(Int(i), on: slot, at: now, due: readyDue[Int(i)], stretch: stretch)
    }

    /// `thief` is idle at `now`: KlaroCore's `WorkStealing.assign` over the host's slots (a
    /// busy one has no room; an idle one room for one) and its neighbours' waiting jobs picks
    /// the job it takes, if any; failing that, its second tier over the whole fleet's slots and
    /// the jobs late by `stealAcrossHostsAfter` of other hosts. The account keeps its slot.
    private mutating func steal(into thief: Int, at now: Double, stretch: SyncStretch) -> Bool {
        let first = thief / Self.slotsPerHost * Self.slotsPerHost
        let host = first..<min(first + Self.slotsPerHost, freeAt.count)
        if steal(into: thief, at: now, among: host, victims: host.filter { $0 != thief }, stretch: stretch) { return true }
        guard stealAcrossHostsAfter != nil else { return false }
        let victims = freeAt.indices.filter { !host.contains($0) && firstFarLate($0) <= now }
        return !victims.isEmpty && steal(into: thief, at: now, among: freeAt.indices, victims: victims, far: true, stretch: stretch)
    }

    /// `WorkStealing.assign` over `slots`' rooms and the waiting jobs of `victims` (with `far`,
    /// only those late by the second tier's lateness): the job it gives `thief`, run there.
    private mutating func steal(
        into thief: Int, at now: Double, among slots: Range<Int>, victims: [Int], far: Bool = false, stretch: SyncStretch
    ) -> Bool {
        var jobs: [StealableJob] = [], whereIs: [UUID: (account: Int, slot: Int, due: Double, ready: Bool)] = [:]
        for slot in victims {
            let waiting = ready[slot].entries.map { ($0.account, readyDue[Int($0.account)], true) }
                + queues[slot].entries.filter { $0.due <= now }.map { ($0.account, $0.due, false) }
            for (i, due, isReady) in waiting where !far || farLateAt(i, due) <= now {
                let id = accounts[Int(i)].id
                jobs.append(StealableJob(
                    account: id, slot: slotList[slot].id, due: Self.date(due), deadline: deadline(Int(i)),
                    expectedSeconds: accounts[Int(i)].averageMs.map { Double($0) / 1000 } ?? SyncProfile.unmeasuredSyncSeconds))
                whereIs[id] = (Int(i), slot, due, isReady)
            }
        }
        let rooms = slots.map { slot in
            SlotRoom(slot: slotList[slot].id, room: freeAt[slot] <= now ? 1 : 0,
                     ownDue: ready[slot].top != nil || (queues[slot].top?.0 ?? .infinity) <= now ? 1 : 0)
        }
        guard let stealAfter, !jobs.isEmpty,
              let pick = WorkStealing.assign(
                  slots: rooms, jobs: jobs, now: Self.date(now), lateness: stealAfter, acrossHostsAfter: far ? stealAcrossHostsAfter : nil)
                  .first(where: { $0.thief == slotList[thief].id }),
              let from = whereIs[pick.account] else { return false }
        let i = from.account
        _ = from.ready ? ready[from.slot].remove(account: Int32(i)) : queues[from.slot].remove(account: Int32(i))
        noteRemoved(Int32(i), due: from.due, from: from.slot)
        if from.slot / Self.slotsPerHost == thief / Self.slotsPerHost {
            figures.steals[min(23, Int(now / 3_600))] += 1
        } else {
            figures.stealsAcrossHosts[min(23, Int(now / 3_600))] += 1
        }
        run(i, on: thief, at: now, due: from.due, stretch: stretch)
        return true
    }

    /// Runs account `i`'s job on `slot` from `now`; its next due time goes to its own slot's queue.
    private mutating func run(_ account: Int, on slot: Int, at now: Double, due: Double, stretch: SyncStretch) {
        var seconds = accounts[account].medianSync * exp(0.4 * Self.normal(&rng))
        if slot != accounts[account].slot {
            // A thief's terminal new to the account logs in cold (as below), once.
            if stolenBefore[slot].insert(Int32(account)).inserted { seconds += accounts[account].medianSync }
        } else if accounts[account].cold {
            // A terminal new to the account: its first login there costs about one more
            // median sync of its broker (the sim does not split login from fetch).
            seconds += accounts[account].medianSync
            accounts[account].cold = false
        }
        let done = now + seconds
        freeAt[slot] = done
        busy += min(seconds, Self.day - now)
        slotBusy[slot] += min(seconds, Self.day - now)
        if now >= Self.warmUp { figures.maxQueueWait = max(figures.maxQueueWait, now - due) }
        complete(account, at: done, stretch: stretch, seconds: seconds)
        queues[accounts[account].slot].push(due: accounts[account].due, account: Int32(account))
        noteAdded(Int32(account), due: accounts[account].due, to: accounts[account].slot)
    }

    private mutating func priority(_ i: Int, due: Double, stretch: SyncStretch) -> (key: Double, tie: Double) {
        readyDue[i] = due
        guard schedule == .adaptive else { return (due, due) }
        let account = accounts[i]
        let deadline = policy.stalenessDeadline(lastSuccess: Self.date(account.lastSync), syncClass: account.known, stretch: stretch)
        switch refill {
        case .due: return (due, due)
        case .deadline: return (deadline.timeIntervalSince1970 - Self.epoch, due)
        case .dispatch:
            // One key for RefillOrder.dispatch: the rank's window first, then the longest
            // expected sync; ties by rank.
            let expected = account.averageMs.map { Double($0) / 1000 } ?? SyncProfile.unmeasuredSyncSeconds
            // The account id does not change a rank (and `UUID()` reads the system's random source:
            // a system call a job).
            let job = PendingSync(account: accounts[i].id, due: Self.date(due), expectedSeconds: expected, deadline: deadline)
            let rank = RefillOrder.rank(job)
            let window = Double(RefillOrder.window(of: rank, length: RefillOrder.defaultWindow))
            return (window * 1e6 - min(expected, 1e5), rank.timeIntervalSince1970 - Self.epoch)
        }
    }

    /// The sync's data is as of its end; Klaro reclassifies and plans the next due time on the
    /// account's grid (or at once when it is already behind).
    private mutating func complete(_ i: Int, at done: Double, stretch: SyncStretch, seconds: Double) {
        var account = accounts[i]
        let target = schedule == .fixed ? Self.fixedInterval : policy.target(account.known)
        if done >= Self.warmUp {
            let ratio = (done - account.lastSync) / target
            if ratio > figures.worstGapRatio {
                figures.worstGapRatio = ratio
                // The fleet's idle slots are counted at the end of the minute (other hosts'
                // loops may not have reached this instant yet).
                figures.gapWorst = moment(at: done - seconds, slot: account.slot)
                figures.gapWorst.fleetIdle = -1
            }
        }
        account.previousSync = account.lastSync
        account.lastSync = done
        account.averageMs = SyncTimeAverage.next(previous: account.averageMs, sample: Int(seconds * 1000))
        account.previousKnown = account.known
        account.known = Self.classify(account, at: done)
        if schedule == .adaptive {
            account.deadline = policy.stalenessDeadline(lastSuccess: Self.date(done), syncClass: account.known, stretch: stretch)
                .timeIntervalSince1970 - Self.epoch
        }
        account.due = max(account.due + interval(account, stretch), done)
        accounts[i] = account
    }

    /// Each hour some traders stop (closing positions is a deal) and some quiet or dormant
    /// accounts start trading, so the classes move over the day.
    private mutating func changeTrading(at now: Double) {
        for i in accounts.indices {
            let roll = Double.random(in: 0..<1, using: &rng)
            if accounts[i].trading {
                if roll < 0.0125 { accounts[i].trading = false; accounts[i].lastDeal = now }
            } else if roll < (accounts[i].known == .dormant ? 0.0018 : 0.01) {
                accounts[i].trading = true
                accounts[i].lastDeal = now
                accounts[i].tradingSince = now
            }
        }
    }

    /// Staleness once a minute: a trading account's equity is stale since its last sync (or
    /// since it started trading, if later); every account's data age is now − last sync.
    private mutating func sample(at now: Double) {
        guard now > Self.warmUp else { return }
        if figures.gapWorst.fleetIdle == -1 { figures.gapWorst.fleetIdle = moment(at: now, slot: 0).fleetIdle }
        for i in accounts.indices {
            let account = accounts[i]
            let finished = account.lastSync <= now
            let synced = finished ? account.lastSync : account.previousSync
            let known = finished ? account.known : account.previousKnown
            let age = now - synced
            all.add(age)
            if account.trading { moving.add(now - max(synced, account.tradingSince)) }
            if known == .quiet, age > figures.quietMax {
                figures.quietMax = age
                figures.quietWorst = moment(at: now, slot: account.slot)
            }
            let staleAfter = 2 * (schedule == .fixed ? Self.fixedInterval : policy.target(known))
            if age > staleAfter { accounts[i].stale = true }
        }
    }

    /// What `slot`'s host and the fleet were doing at `now` (as far as the sim has run).
    private func moment(at now: Double, slot: Int) -> Moment {
        let first = slot / Self.slotsPerHost * Self.slotsPerHost
        let host = first..<min(first + Self.slotsPerHost, freeAt.count)
        let waiting = host.map { s in ready[s].entries.count + queues[s].entries.count { $0.due <= now } }.reduce(0, +)
        let idle = freeAt.indices.count { s in
            freeAt[s] <= now && ready[s].top == nil && (queues[s].top?.0 ?? .infinity) > now
        }
        return Moment(time: now, slot: slotList[slot].id.description, hostBusy: host.count { freeAt[$0] > now },
                      hostWaiting: waiting, fleetIdle: idle)
    }

    private static func classify(_ account: Account, at now: Double) -> SyncClass {
        SyncClass.classify(
            openPositions: account.trading ? 1 : 0, lastDealAt: account.lastDeal.map(date),
            knownSince: date(-90 * 86_400), now: date(now)
        )
    }

    private static func date(_ t: Double) -> Date { Date(timeIntervalSince1970: epoch + t) }

    /// A standard normal draw (Box–Muller).
    private static func normal(_ rng: inout SplitMix64) -> Double {
        let u = Double.random(in: Double.ulpOfOne..<1, using: &rng)
        let v = Double.random(in: 0..<1, using: &rng)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }

    private static func uuid(_ rng: inout SplitMix64) -> UUID {
        var bytes = (rng.next(), rng.next())
        return withUnsafeBytes(of: &bytes) { UUID(uuid: $0.load(as: uuid_t.self)) }
    }
}

/// Due jobs of one slot, earliest first (a binary min-heap).
struct SlotQueue {
    private var heap: [(due: Double, account: Int32)] = []

    var top: (Double, Int32)? { heap.first.map { ($0.due, $0.account) } }

    /// Every entry, in no particular order.
    var entries: [(due: Double, account: Int32)] { heap }

    mutating func push(due: Double, account: Int32, tie: Double = 0) {
        heap.append((due, account))
        var i = heap.count - 1
        while i > 0, heap[(i - 1) / 2].due > heap[i].due {
            heap.swapAt(i, (i - 1) / 2)
            i = (i - 1) / 2
        }
    }

    /// Takes `account`'s entry out; returns its key, nil when it is not queued here.
    mutating func remove(account: Int32) -> Double? {
        guard let at = heap.firstIndex(where: { $0.account == account }) else { return nil }
        let due = heap[at].due
        heap.remove(at: at)
        let rest = heap
        heap.removeAll(keepingCapacity: true)
        for entry in rest { push(due: entry.due, account: entry.account) }
        return due
    }

    mutating func pop() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, heap[l].due < heap[m].due { m = l }
            if r < heap.count, heap[r].due < heap[m].due { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}

/// Staleness samples in one-second bins up to a day.
struct Histogram {
    private var bins = [Int](repeating: 0, count: 86_401)
    private var total = 0

    mutating func add(_ seconds: Double) {
        bins[min(bins.count - 1, max(0, Int(seconds)))] += 1
        total += 1
    }

    func quantile(_ q: Double) -> Double {
        let rank = Int((q * Double(total)).rounded(.up))
        var seen = 0
        for (second, count) in bins.enumerated() {
            seen += count
            if seen >= rank, count > 0 { return Double(second) }
        }
        return 0
    }
}
