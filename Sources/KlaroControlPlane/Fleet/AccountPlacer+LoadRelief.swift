import Foundation
import KlaroCore
import KlaroPostgres
import Synchronization

/// What load relief remembers between looks: this replica's memory, so a replica that becomes
/// leader starts with the whole hour's budget.
struct LoadReliefState: Sendable {
    /// When slot loads were last looked at; at first, when the placer was made (klarod's start),
    /// so a fresh klarod lets one period pass before its first look.
    var lastLook: ContinuousClock.Instant? = .now
    /// Relief runs of the last hour: when, and how many moves.
    var runs: [(at: ContinuousClock.Instant, moves: Int)] = []
    /// A look that found slots past their bound but nothing that could move rests until then,
    /// so a stuck fleet does not cost a read of every account every few minutes.
    var restUntil: ContinuousClock.Instant?
}

extension AccountPlacer {
    /// The window of the move budget.
    static let reliefBudgetWindow: Duration = .seconds(3600)

    /// Load relief (issue 13, docs/fleet.md §2) when due: every `Placement.loadReliefPeriod`, while
    /// the hour's budget (`KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR`) is not spent, one aggregate of the
    /// load per slot (``PlacementWorkQuery/slotLoads(_:scale:)``, the narrow table only); only
    /// when a usable slot is past its bound, every account is read and at most the budget left is
    /// moved (``Placement/relieve(slots:accounts:options:maxMoves:)``), through the placement's own
    /// write, so an account with a job in flight moves when that job ends.
    /// - Parameter now: the time of this look (tests pass later times instead of waiting).
    /// - Returns: the relief run, nil when none was due or no slot was past its bound.
    @discardableResult
    func relieveIfDue(now: ContinuousClock.Instant = .now) async throws -> PlacementRun? {
        let budget = settings.placementLoadMovesPerHour
        guard budget > 0 else { return nil }
        let left: Int? = relief.withLock { state in
            if let last = state.lastLook, now - last < .seconds(Placement.loadReliefPeriod) { return nil }
            if let rest = state.restUntil, now < rest { return nil }
            state.lastLook = now
            state.runs.removeAll { now - $0.at >= Self.reliefBudgetWindow }
            let left = budget - state.runs.reduce(0) { $0 + $1.moves }
            return left > 0 ? left : nil
        }
        guard let left else { return nil }
        guard try await !slotsPastReliefBound().isEmpty else { return nil }
        let run = try await relieve(maxMoves: left)
        relief.withLock { state in
            if run.moves.isEmpty {
                state.restUntil = now + Self.reliefBudgetWindow
            } else {
                state.runs.append((now, run.moves.count))
            }
        }
        return run
    }

    /// The look: usable slots past relief's bound, from the load per slot summed in SQL (the
    /// narrow table only; with plan targets, joined to the owners' rows for their plan).
    func slotsPastReliefBound() async throws -> [SlotID] {
        let policy = settings.policy, epsilon = Placement.reliefEpsilon(placement: settings.placementEpsilon)
        return try await pool.withConnection { connection in
            let loads = try PlacementWorkQuery.slotLoads(connection, scale: try PlacementWorkQuery.scale(connection, policy: policy))
            return try Placement.slotsPastBound(placed: loads, slots: try Self.loadSlots(connection), epsilon: epsilon)
        }
    }

    /// Reads every active account and slot, and applies at most `maxMoves` relief moves.
    private func relieve(maxMoves: Int) async throws -> PlacementRun {
        let policy = settings.policy
        let started = ContinuousClock.now
        let run = try await pool.transaction { connection -> PlacementRun in
            _ = try connection.query("SELECT pg_advisory_xact_lock($1)", [Self.lockKey])
            let slots = try Self.loadSlots(connection)
            let (accounts, inFlight) = try Self.loadAccounts(connection, policy: policy)
            var options = self.options
            options.epsilon = Placement.reliefEpsilon(placement: options.epsilon)
            let result = try Placement.relieve(slots: slots, accounts: accounts, options: options, maxMoves: maxMoves)
            try Self.write(result.moves, unassigned: [], connection)
            return PlacementRun(
                mode: .keepCurrent, result: result, inFlight: inFlight, applied: true, heldBack: 0, relief: true)
        }
        report(run, kind: "load", started: started)
        if run.result.assignments.count >= Self.trimAfter { MemoryTrimmer.releaseFreeHeap() }
        return run
    }
}
