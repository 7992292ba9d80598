import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import Synchronization

/// Computes and applies account placement (DESIGN §4) with KlaroCore's ``Placement``, by load
/// (issue 13): each account weighs its sync time × frequency (``PlacementWorkQuery``), every
/// slot's bound is in that load, and an account prefers a slot with room that logs into its
/// broker server faster (login medians of the last day, refreshed every `loginRefresh`).
///
/// Two kinds of run:
/// - **automatic** (the fleet monitor, and after an operator changes a host): accounts that
///   have no usable slot are placed — new ones, those of dead, removed, draining or refused
///   slots, and pins. Accounts on a live slot stay, even when a slot came back or joined and
///   the others now hold more than their bounded share: a host that returns does not pull
///   accounts back by itself (no stampede of cold logins). It runs only on a change: when the
///   usable slots changed (the full computation), or when accounts wait for a slot (new or
///   synced again: just those, ``Placement/placeNewcomers(_:placed:slots:options:)``, found
///   through a partial index that is empty in the steady state). An account that stops being
///   synced gives its slot back at once (a trigger, migration 0011). As a safety net against
///   assignments changed behind klarod's back, a full automatic run also happens once an hour.
/// - **explicit** (`POST /admin/rebalance`): the full placement in the mode asked for, as a
///   dry run or applied; over-capacity and rebalance moves happen only here.
/// - **load relief** (the fleet monitor, every `Placement.loadReliefPeriod`): when a slot's
///   load drifted past its bound as accounts changed class, a few accounts move off it, at
///   most `KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR` an hour (`AccountPlacer+LoadRelief.swift`).
///
/// When the only change since the last automatic run is that one usable slot died, the run
/// re-places just that slot's accounts (``Placement/reassign(orphansOf:slots:accounts:options:)``,
/// about 10× cheaper than the full computation at 100,000 accounts) — the common case of a
/// worker crashing.
///
/// Runs are serialised across replicas by a transaction-level advisory lock, and read and
/// write in one transaction, so two runs never interleave. Applying only rewrites
/// `account_schedule.assigned_*`: a job in flight finishes on the slot it was sent to
/// (`inflight_*`), and the account's next job goes to its new slot, so an account moves when
/// its job finishes.
final class AccountPlacer: Sendable {
    /// Advisory lock key of placement runs ("klaro" + 5).
    static let lockKey: Int64 = 0x6b6c_6172_6f00_0005

    let pool: PostgresPool
    let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    /// The slot states of the last automatic run, and when it ran.
    private let last = Mutex<(slots: [SlotID: SlotState], at: ContinuousClock.Instant)?>(nil)
    /// Load relief's memory (``AccountPlacer/relieveIfDue(now:)``).
    let relief = Mutex(LoadReliefState())
    /// Login medians per slot and server, and when they were read.
    private let logins = Mutex<(ms: [PlacementOptions.LoginKey: Double], at: ContinuousClock.Instant)?>(nil)
    /// How long login medians are reused: a day's medians move slowly, and the newcomer path
    /// runs every fleet round while an import is placed.
    static let loginRefresh: Duration = .seconds(300)

    init(pool: PostgresPool, settings: SyncSettings, metrics: KlaroMetrics, logger: Logger) {
        self.pool = pool
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    var options: PlacementOptions {
        PlacementOptions(
            epsilon: settings.placementEpsilon, affinityWeight: settings.placementAffinity, loginGain: settings.placementLoginGain)
    }

    /// The options with the measured login medians (read at most every `loginRefresh`; not
    /// at all with login affinity off).
    private func options(_ connection: PostgresConnection) throws -> PlacementOptions {
        var options = self.options
        guard options.loginGain > 0 else { return options }
        if let cached = logins.withLock({ $0 }), ContinuousClock.now - cached.at < Self.loginRefresh {
            options.loginMs = cached.ms
        } else {
            options.loginMs = try PlacementWorkQuery.loginMedians(connection)
            logins.withLock { [ms = options.loginMs] in $0 = (ms, ContinuousClock.now) }
        }
        return options
    }

    /// Forgets the cached login medians (tests, after writing runs).
    func forgetLoginTimes() {
        logins.withLock { $0 = nil }
    }

    /// How often an automatic run places everything although nothing seemed to change.
    static let safetyNetInterval: Duration = .seconds(3600)

    /// Runs an automatic placement if something changed; returns it (nil when nothing was due).
    @discardableResult
    func placeIfNeeded() async throws -> PlacementRun? {
        let (slots, waiting) = try await pool.withConnection { connection in
            (try Self.loadSlots(connection), try connection.query(Self.waitingProbe)[0].bool(0))
        }
        let states = Dictionary(uniqueKeysWithValues: slots.map { ($0.id, $0.state) })
        let previous = last.withLock { $0 }
        let changed = previous.map { $0.slots != states } ?? true
        let safetyNet = previous.map { ContinuousClock.now - $0.at > Self.safetyNetInterval } ?? true
        guard waiting || changed || safetyNet else { return nil }
        // Every slot dead (a fresh install, a whole-fleet outage: the plan's "home internet
        // outage"): every account keeps its slot. Unplacing them all would write every row once
        // only to place them again when the hosts return, and dispatch sends nothing to a dead
        // slot meanwhile. A draining or cordoned host is no outage: those runs go on as before,
        // and an operator's `klaro rebalance` still places as asked.
        guard states.values.contains(where: { $0 != .dead }) else {
            last.withLock { $0 = (states, ContinuousClock.now) }
            return nil
        }
        let run: PlacementRun
        if changed || safetyNet {
            let died = waiting ? nil : previous.flatMap { Self.singleDeath(from: $0.slots, to: states) }
            run = try await place(automatic: true, deadSlot: died)
            last.withLock { $0 = (states, ContinuousClock.now) }
        } else {
            run = try await placeNewcomers()
        }
        return run
    }

    /// True when an account waits for a slot (an index probe: the index holds only those).
    static let waitingProbe = """
        SELECT EXISTS (SELECT 1 FROM account_schedule
                       WHERE assigned_host IS NULL AND status = 'active' AND is_active)
        """

    /// Places just the accounts that wait for a slot, against the current loads.
    private func placeNewcomers() async throws -> PlacementRun {
        let policy = settings.policy
        let started = ContinuousClock.now
        let run = try await pool.transaction { connection -> PlacementRun in
            _ = try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            let options = try self.options(connection)
            let slots = try Self.loadSlots(connection)
            let scale = try PlacementWorkQuery.scale(connection, policy: policy)
            var newcomers: [PlacementAccount] = []
            try connection.forEachBatch("""
                SELECT a.id, a.pinned_host, a.pinned_slot, a.mt5_server, s.sync_class, s.avg_sync_ms,
                       CASE WHEN $1 THEN klaro_user_plan(a.user_id) END
                FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id
                WHERE s.assigned_host IS NULL AND s.status = 'active' AND s.is_active
                """, [!policy.planTargets.isEmpty]) { batch in
                newcomers += try batch.map { row in
                    PlacementAccount(
                        id: try row.uuid(0), pin: try Self.slotID(row.stringOrNil(1), row.intOrNil(2)), current: nil,
                        server: row.stringOrNil(3),
                        load: scale.load(averageSyncMs: try row.intOrNil(5), syncClass: SyncClass(rawValue: try row.string(4)) ?? .quiet,
                                         plan: row.stringOrNil(6)))
                }
            }
            let placed = try PlacementWorkQuery.slotLoads(connection, scale: scale)
            let result = try Placement.placeNewcomers(newcomers, placed: placed, slots: slots, options: options)
            try Self.write(result.moves, unassigned: [], connection)
            return PlacementRun(mode: .keepCurrent, result: result, inFlight: [], applied: true, heldBack: 0, newcomers: true)
        }
        report(run, kind: "new accounts", started: started)
        if run.moves.count >= Self.trimAfter { MemoryTrimmer.releaseFreeHeap() }
        return run
    }

    /// The slot that died, when that is the only difference between two fleets (one usable
    /// slot became dead; nothing else appeared, left or changed).
    static func singleDeath(from before: [SlotID: SlotState], to after: [SlotID: SlotState]) -> SlotID? {
        guard before.count == after.count else { return nil }
        var died: SlotID?
        for (slot, state) in after where before[slot] != state {
            guard died == nil, state == .dead, before[slot] == .active || before[slot] == .cordoned else { return nil }
            died = slot
        }
        return died
    }

    /// An automatic placement now, whatever changed (after an operator's action).
    @discardableResult
    func placeNow() async throws -> PlacementRun {
        try await place(automatic: true)
    }

    /// The full placement in `mode`: the plan only (`dryRun`), or applied.
    func rebalance(mode: PlacementMode, dryRun: Bool) async throws -> PlacementRun {
        try await place(mode: mode, automatic: false, dryRun: dryRun)
    }

    private func place(
        mode: PlacementMode = .keepCurrent, automatic: Bool, dryRun: Bool = false, deadSlot: SlotID? = nil
    ) async throws -> PlacementRun {
        let policy = settings.policy
        let started = ContinuousClock.now
        let run = try await pool.transaction { connection -> PlacementRun in
            _ = try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            let options = try self.options(connection)
            let slots = try Self.loadSlots(connection)
            let (accounts, inFlight) = try Self.loadAccounts(connection, policy: policy)
            var result = try deadSlot.map { dead throws(PlacementError) in
                try Placement.reassign(orphansOf: dead, slots: slots, accounts: accounts, options: options)
            } ?? Placement.place(slots: slots, accounts: accounts, options: options, mode: mode)
            let held = automatic
                ? Self.holdBack(.overCapacity, in: &result, loads: Dictionary(uniqueKeysWithValues: accounts.map { ($0.id, $0.load) }))
                : 0
            let placed = Set(accounts.lazy.filter { $0.current != nil }.map(\.id))
            let unassigned = result.unplaced.filter(placed.contains)
            if !dryRun { try Self.write(result.moves, unassigned: unassigned, connection) }
            return PlacementRun(
                mode: mode, result: result, inFlight: inFlight, applied: !dryRun, heldBack: held,
                unassigned: unassigned.count, incremental: deadSlot != nil
            )
        }
        report(run, kind: deadSlot != nil ? "slot death" : automatic ? "automatic" : "rebalance/\(mode.rawValue)", started: started)
        // A large run's arrays and rows are freed now; give their pages back at once rather
        // than at the trimmer's next round.
        if run.result.assignments.count >= Self.trimAfter { MemoryTrimmer.releaseFreeHeap() }
        return run
    }

    /// Counts and logs an applied run that changed something.
    func report(_ run: PlacementRun, kind: String, started: ContinuousClock.Instant) {
        guard run.applied, !run.result.moves.isEmpty || run.unassigned > 0 else { return }
        for move in run.moves {
            metrics.placementMoves(PlacementMoveReason(rawValue: move.reason.rawValue) ?? .rebalance).increment()
        }
        let relocated = run.result.relocations.count
        logger.info("placement applied", metadata: [
            "kind": "\(kind)",
            "placed": "\(run.moves.count - relocated)", "moved": "\(relocated)", "unassigned": "\(run.unassigned)", "unplaced": "\(run.result.unplaced.count)",
            "moved_after_job": "\(run.deferred)", "held_back": "\(run.heldBack)",
            "duration": "\(ContinuousClock.now - started)",
        ])
    }

    /// Takes the moves with `reason` out of `result`, leaving those accounts where they are;
    /// returns how many. The slots they would have left keep them beyond capacity, and no
    /// other slot exceeds capacity, since the moves that stay were planned with less room.
    static func holdBack(_ reason: MoveReason, in result: inout PlacementResult, loads: [UUID: Double] = [:]) -> Int {
        var held = 0
        result.moves.removeAll { move in
            guard move.reason == reason, let from = move.from else { return false }
            result.assignments[move.account] = from
            result.loads[move.to, default: 0] -= 1
            result.loads[from, default: 0] += 1
            let load = loads[move.account] ?? 1
            result.work[move.to, default: 0] -= load
            result.work[from, default: 0] += load
            held += 1
            return true
        }
        return held
    }

    /// Accounts in a run after which klarod trims its heap (``MemoryTrimmer``).
    static let trimAfter = 10_000

    /// Accounts written per statement. libpq keeps a connection's send buffer at the size of
    /// the largest message it sent: one statement for 100,000 accounts (5 MB of parameters)
    /// left 8 MB in klarod for the life of the connection.
    static let writeChunk = 5_000

    /// Writes the assignments that changed: the moves, and the accounts that had a slot and
    /// now have none (an account already unplaced is not rewritten). Statements on the narrow
    /// schedule rows, the assignment's only home (migration 0017): the wide account row is not
    /// touched.
    static func write(_ moves: [Move], unassigned: [UUID], _ connection: PostgresConnection) throws {
        var ids: [UUID] = [], hosts: [String?] = [], slots: [Int?] = []
        for move in moves {
            ids.append(move.account)
            hosts.append(move.to.host)
            slots.append(move.to.index)
        }
        for account in unassigned {
            ids.append(account)
            hosts.append(nil)
            slots.append(nil)
        }
        for start in stride(from: 0, to: ids.count, by: writeChunk) {
            let chunk = start..<min(start + writeChunk, ids.count)
            try connection.execute("""
                UPDATE account_schedule s SET assigned_host = u.host, assigned_slot = u.slot
                FROM unnest($1::uuid[], $2::text[], $3::int[]) AS u(id, host, slot)
                WHERE s.account_id = u.id AND (s.assigned_host IS DISTINCT FROM u.host OR s.assigned_slot IS DISTINCT FROM u.slot)
                  -- An account paused since the read keeps no slot (account_schedule_synced_holds_slot).
                  AND (u.host IS NULL OR (s.status = 'active' AND s.is_active))
                """, [Array(ids[chunk]), Array(hosts[chunk]), Array(slots[chunk])])
        }
    }

    // MARK: Reading the fleet

    /// Every known slot, in the state placement should treat it as: a slot is usable when it
    /// is alive and its host admitted (key approved and still presented); a draining host's
    /// slots lose their accounts even while alive, a cordoned host's keep them.
    static func loadSlots(_ connection: PostgresConnection) throws -> [PlacementSlot] {
        try connection.query("""
            SELECT s.host_id, s.slot, s.weight, s.state, h.admin_state, \(HostApproval.admittedSQL) AS admitted
            FROM terminal_slots s JOIN worker_hosts h ON h.host_id = s.host_id
            ORDER BY s.host_id, s.slot
            """).map { row in
                let alive = try row.string(3) != "dead" && row.bool(5)
                let state: SlotState
                switch try row.string(4) {
                case "active" where alive: state = .active
                case "cordoned" where alive: state = .cordoned
                case "draining": state = .draining
                default: state = .dead
                }
                return PlacementSlot(id: SlotID(host: try row.string(0), index: try row.int(1)), weight: try row.double(2), state: state)
            }
    }

    /// Accounts to place (active ones) weighed by their load under `policy` and the stored
    /// stretch, and those with a job in flight.
    static func loadAccounts(_ connection: PostgresConnection, policy: SyncPolicy) throws -> ([PlacementAccount], Set<UUID>) {
        var inFlight = Set<UUID>()
        let stretch = try SyncStretchTable.read(connection)
        var measured: [Int] = []
        var rows: [(account: PlacementAccount, syncClass: SyncClass, averageMs: Int?, plan: String?)] = []
        // In batches: the whole fleet in one result grew the heap by its size (issue 16).
        try connection.forEachBatch("""
            SELECT a.id, s.assigned_host, s.assigned_slot, a.pinned_host, a.pinned_slot, a.mt5_server, s.inflight_job_id IS NOT NULL,
                   s.sync_class, s.avg_sync_ms, CASE WHEN $1 THEN klaro_user_plan(a.user_id) END
            FROM account_schedule s JOIN user_mt5_accounts a ON a.id = s.account_id WHERE s.status = 'active' AND s.is_active
            """, [!policy.planTargets.isEmpty]) { batch in
            for row in batch {
                let id = try row.uuid(0)
                if try row.bool(6) { inFlight.insert(id) }
                let averageMs = try row.intOrNil(8)
                if let averageMs { measured.append(averageMs) }
                rows.append((
                    PlacementAccount(
                        id: id,
                        pin: try slotID(row.stringOrNil(3), row.intOrNil(4)),
                        current: try slotID(row.stringOrNil(1), row.intOrNil(2)),
                        server: row.stringOrNil(5)
                    ),
                    SyncClass(rawValue: try row.string(7)) ?? .quiet, averageMs, row.stringOrNil(9)
                ))
            }
        }
        let scale = PlacementWorkQuery.Scale(
            policy: policy, stretch: stretch, defaultSeconds: PlacementWork.defaultSyncSeconds(measuredMs: measured))
        let accounts = rows.map { row in
            var account = row.account
            account.load = scale.load(averageSyncMs: row.averageMs, syncClass: row.syncClass, plan: row.plan)
            return account
        }
        return (accounts, inFlight)
    }

    private static func slotID(_ host: String?, _ index: Int?) -> SlotID? {
        guard let host, let index else { return nil }
        return SlotID(host: host, index: index)
    }
}

/// What a placement run did, or would do in a dry run.
struct PlacementRun: Sendable {
    let mode: PlacementMode
    let result: PlacementResult
    /// Accounts whose job was in flight: they move when that job finishes.
    let inFlight: Set<UUID>
    let applied: Bool
    /// Over-capacity moves an automatic run left for an explicit rebalance.
    let heldBack: Int
    /// Accounts that had a slot and now have none (no usable slot has room for them).
    var unassigned = 0
    /// True when only a dead slot's accounts were re-placed (the incremental path).
    var incremental = false
    /// True when only accounts waiting for a slot were placed.
    var newcomers = false
    /// True for a load relief (moves of reason `load` only).
    var relief = false

    var moves: [Move] { result.moves }

    /// Relocations that wait for a job in flight to finish.
    var deferred: Int { result.moves.count { $0.from != nil && inFlight.contains($0.account) } }
}
