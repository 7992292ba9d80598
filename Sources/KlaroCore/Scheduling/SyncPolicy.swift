import Foundation

/// How often each account is synced: per-class targets, stretched when the fleet is short of
/// slots (issue 13).
///
/// Demand is Σ accounts × mean sync time ÷ interval (busy slots); the budget is
/// `targetUtilisation` × live slots. Over budget, classes stretch in order, least urgent first:
/// dormant up to `maxStretch`, then quiet up to `maxStretch`, then moving up to `maxStretch`;
/// beyond that every class stretches together by the same extra factor. So:
/// - quiet stays on its target whenever stretching dormant alone fits the budget;
/// - no class is stretched past `maxStretch` while stretching every class `maxStretch`× fits;
/// - no class starves: a class's factor is never more than `maxStretch` × the factor of a more
///   urgent class (with the defaults, no interval passes 1.7× its target before the whole
///   fleet is over 1.7 times its budget).
/// Under budget every class is back on its target.
public struct SyncPolicy: Sendable, Equatable {
    public var targets: SyncTargets
    /// Per plan name: targets replacing ``targets`` for that plan's accounts.
    public var planTargets: [String: SyncTargets]
    /// Share of the live slots the schedule may keep busy (0, 1].
    public var targetUtilisation: Double
    /// How far one class is stretched before the next more urgent class stretches (≥ 1).
    public var maxStretch: Double
    /// Per class, the share of its interval by which its accounts' staleness deadline comes
    /// early in a slot's queue (``stalenessDeadline(lastSuccess:syncClass:plan:stretch:)``).
    public var deadlineLead: [SyncClass: Double]

    public static let defaultUtilisation = 0.8
    /// 1.7: a stretched account is still synced within twice its target with 0.3 × target
    /// left for queue wait (`klaro-bench fleet-sim` at 1.5× load: 1.9× at most with 1.7, 2.2× with 2).
    public static let defaultMaxStretch = 1.7
    /// Quiet 0.1 (90 s of 15 minutes): quiet's target is the plan's promise and a maximum
    /// ("never worse than fixed"), so quiet goes first among equally late jobs. Moving 0.1 (30 s
    /// of 5 minutes, 42 s stretched 1.4×): a stretched moving account has the least room before
    /// twice its target, and work stealing counts lateness from the deadline, so its jobs become
    /// takeable that much sooner (`klaro-bench fleet-sim` at 1.5×, seeds 13–18: the longest gap
    /// 1.73–1.92× its target against 1.73–2.001× with no moving lead; at 0.2 seed 16's oldest
    /// quiet data reached the fixed schedule's). Dormant 0: its hour is a soft target.
    public static let defaultDeadlineLead: [SyncClass: Double] = [.quiet: 0.1, .moving: 0.1]

    /// Creates a policy, refusing non-positive targets, a utilisation outside (0, 1] and a
    /// stretch below 1.
    public init(
        targets: SyncTargets = .standard, planTargets: [String: SyncTargets] = [:],
        targetUtilisation: Double = SyncPolicy.defaultUtilisation,
        maxStretch: Double = SyncPolicy.defaultMaxStretch,
        deadlineLead: [SyncClass: Double] = SyncPolicy.defaultDeadlineLead
    ) throws(SyncPolicyError) {
        for (name, plan) in [("default", targets)] + planTargets.sorted(by: { $0.key < $1.key }) {
            for syncClass in SyncClass.allCases where !(plan[syncClass].isFinite && plan[syncClass] > 0) {
                throw .nonPositiveTarget(name == "default" ? syncClass.rawValue : "\(name).\(syncClass.rawValue)")
            }
        }
        guard targetUtilisation.isFinite, targetUtilisation > 0, targetUtilisation <= 1 else {
            throw .utilisationOutOfRange(targetUtilisation)
        }
        guard maxStretch.isFinite, maxStretch >= 1 else { throw .stretchBelowOne(maxStretch) }
        self.targets = targets
        self.planTargets = planTargets
        self.targetUtilisation = targetUtilisation
        self.maxStretch = maxStretch
        // A lead is a share of the interval: clamped to [0, 0.5].
        self.deadlineLead = deadlineLead.mapValues { $0.isFinite ? min(max($0, 0), 0.5) : 0 }
    }

    /// The defaults: moving 5 min, quiet 15 min, dormant 60 min, utilisation 0.8, stretch 1.7.
    public static let standard = try! SyncPolicy()

    /// The targets for accounts of `plan` (the default targets when it has none of its own).
    public func targets(plan: String?) -> SyncTargets {
        plan.flatMap { planTargets[$0] } ?? targets
    }

    /// The target interval of an account of `syncClass` and `plan`.
    public func target(_ syncClass: SyncClass, plan: String? = nil) -> TimeInterval {
        targets(plan: plan)[syncClass]
    }

    /// The effective interval of an account of `syncClass` and `plan` under `stretch`.
    public func interval(_ syncClass: SyncClass, plan: String? = nil, stretch: SyncStretch) -> TimeInterval {
        interval(syncClass, plan: plan, factors: stretch.factors)
    }

    /// The interval of an account of `syncClass` and `plan` under the stored stretch `factors`
    /// (a class without a factor is on target): how every path that ends a job (ingest,
    /// rescuer, dispatch's give-back), placement and the accounts API choose an account's interval.
    public func interval(_ syncClass: SyncClass, plan: String?, factors: [SyncClass: Double]) -> TimeInterval {
        target(syncClass, plan: plan) * max(1, factors[syncClass] ?? 1)
    }

    /// How long after a sync's due time the next one is due, so that the account's data is at
    /// most ``interval(_:plan:stretch:)`` old when the next sync ends: a target is a promise on
    /// staleness, and the data's age at the next sync's end is the due-to-due interval plus the
    /// next sync's time. So the schedule aims early by the account's expected sync time (never
    /// below half the interval).
    /// - Parameter expectedSyncSeconds: the account's average sync time (login + fetch).
    public func scheduledInterval(
        _ syncClass: SyncClass, plan: String? = nil, stretch: SyncStretch, expectedSyncSeconds: Double
    ) -> TimeInterval {
        scheduledInterval(interval(syncClass, plan: plan, stretch: stretch), expectedSyncSeconds: expectedSyncSeconds)
    }

    /// ``scheduledInterval(_:plan:stretch:expectedSyncSeconds:)`` for an effective `interval`.
    public func scheduledInterval(_ interval: TimeInterval, expectedSyncSeconds: Double) -> TimeInterval {
        let sync = expectedSyncSeconds.isFinite ? max(0, expectedSyncSeconds) : 0
        return max(interval / 2, interval - sync)
    }

    /// When an account's data breaks its promise — its last success plus its effective
    /// interval, early by its class's ``deadlineLead`` — what ``RefillOrder/rank(_:)`` orders
    /// a slot's due jobs by. Issue 13: with the slots' queues taking oldest due
    /// first, quiet accounts on the busiest slots waited behind moving ones and their oldest
    /// data (15.9–16.7 minutes in `klaro-bench fleet-sim`) was worse than the fixed schedule's.
    public func stalenessDeadline(lastSuccess: Date, syncClass: SyncClass, plan: String? = nil, stretch: SyncStretch) -> Date {
        stalenessDeadline(lastSuccess: lastSuccess, syncClass: syncClass, plan: plan, factors: stretch.factors)
    }

    /// ``stalenessDeadline(lastSuccess:syncClass:plan:stretch:)`` under the stored stretch
    /// `factors` (what ingest stores in `account_schedule.staleness_deadline`).
    public func stalenessDeadline(lastSuccess: Date, syncClass: SyncClass, plan: String?, factors: [SyncClass: Double]) -> Date {
        let interval = self.interval(syncClass, plan: plan, factors: factors)
        return lastSuccess.addingTimeInterval((1 - (deadlineLead[syncClass] ?? 0)) * interval)
    }

    /// Stretch factors for the active accounts in `loads` on `slots` live slots.
    public func stretch(loads: [SyncLoad], slots: Int) -> SyncStretch {
        var atTargets = Dictionary(uniqueKeysWithValues: SyncClass.allCases.map { ($0, 0.0) })
        for load in loads {
            atTargets[load.syncClass, default: 0] += load.demand(interval: target(load.syncClass, plan: load.plan))
        }
        let budget = targetUtilisation * Double(max(0, slots))
        let factors = Self.factors(demand: atTargets, budget: budget, maxStretch: maxStretch)
        let demand = SyncClass.allCases.reduce(0.0) { $0 + atTargets[$1]! / factors[$1]! }
        return SyncStretch(
            factors: factors, demandAtTargets: atTargets.values.reduce(0, +), demand: demand,
            slots: max(0, slots), budget: budget
        )
    }

    /// The phases described on the type, solved in closed form: in the phase of class c, the
    /// less urgent classes sit at `maxStretch`, the more urgent at 1, and c takes what fits.
    static func factors(demand: [SyncClass: Double], budget: Double, maxStretch: Double) -> [SyncClass: Double] {
        let classes = SyncClass.allCases  // most urgent first
        var factors = Dictionary(uniqueKeysWithValues: classes.map { ($0, 1.0) })
        let total = classes.reduce(0.0) { $0 + demand[$1]! }
        if total <= budget { return factors }
        guard budget > 0 else {
            // No slot: nothing fits; keep the bound between classes rather than infinite intervals.
            return factors.mapValues { _ in maxStretch }
        }
        for (position, syncClass) in classes.enumerated().reversed() {
            let mine = demand[syncClass]!
            let moreUrgent = classes[..<position].reduce(0.0) { $0 + demand[$1]! }
            let lessUrgent = classes[(position + 1)...].reduce(0.0) { $0 + demand[$1]! } / maxStretch
            let room = budget - moreUrgent - lessUrgent
            if mine <= room * maxStretch, room > 0 {
                factors[syncClass] = mine > 0 ? max(1, mine / room) : 1
                return factors
            }
            factors[syncClass] = maxStretch
        }
        // Every class at maxStretch is still over budget: all stretch together.
        let extra = total / (maxStretch * budget)
        return factors.mapValues { _ in maxStretch * extra }
    }
}
