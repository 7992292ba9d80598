import Foundation

/// The slots and hosts needed to sync every class at its target interval while keeping slots
/// busy at most `targetUtilisation` of the time, for the fleet as measured and scaled up
/// (issue 13: the scaling table, computed instead of guessed).
public struct CapacityPlan: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        /// How many times today's accounts.
        public var scale: Int
        public var accounts: Int
        /// Busy slots at the targets (Σ accounts × mean sync time ÷ target).
        public var demand: Double
        /// ⌈demand ÷ utilisation⌉.
        public var slots: Int
        /// ⌈slots ÷ slots per host⌉.
        public var hosts: Int
    }

    public static let scales = [1, 2, 5, 10]
    public static let defaultSlotsPerHost = 4
    public static let minimumUtilisation = 0.01

    public var targetUtilisation: Double
    public var slotsPerHost: Int
    public var rows: [Row]

    /// Plans from `loads` (today's accounts by class and plan with their mean sync times) at
    /// `policy`'s targets and `targetUtilisation` (from ``minimumUtilisation`` to 1: below it
    /// the answer is meaningless and could overflow).
    public init(
        loads: [SyncLoad], policy: SyncPolicy, targetUtilisation: Double,
        slotsPerHost: Int = CapacityPlan.defaultSlotsPerHost, scales: [Int] = CapacityPlan.scales
    ) throws(SyncPolicyError) {
        guard targetUtilisation.isFinite, targetUtilisation >= Self.minimumUtilisation, targetUtilisation <= 1 else {
            throw .utilisationOutOfRange(targetUtilisation)
        }
        let perHost = max(1, slotsPerHost)
        let accounts = loads.reduce(0) { $0 + $1.accounts }
        let demand = loads.reduce(0.0) { $0 + $1.demand(interval: policy.target($1.syncClass, plan: $1.plan)) }
        self.targetUtilisation = targetUtilisation
        self.slotsPerHost = perHost
        rows = scales.map { scale in
            let scaled = demand * Double(scale)
            // A hair below a whole number is that number (floating-point sums of exact inputs).
            let slots = Int((scaled / targetUtilisation - 1e-9).rounded(.up))
            return Row(
                scale: scale, accounts: accounts * scale, demand: scaled, slots: max(0, slots),
                hosts: (max(0, slots) + perHost - 1) / perHost
            )
        }
    }
}
