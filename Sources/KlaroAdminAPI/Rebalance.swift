import Foundation

extension AdminAPI {
    /// `POST /admin/rebalance`: the full placement as a plan (`dry_run`) or applied.
    /// `dry_run` and `summary.relocations` are always sent; optional for the CLI's tolerance.
    public struct Rebalance: Codable, Sendable {
        /// One move of the plan.
        public struct Move: Codable, Sendable, Equatable {
            public let account_id: String
            /// `host:slot`, absent for an account that had none.
            public let from: String?
            public let to: String
            /// A `MoveReason` raw value.
            public let reason: String
            /// The account's job is in flight: it moves when that job finishes.
            public let in_flight: Bool

            public init(account_id: String, from: String?, to: String, reason: String, in_flight: Bool) {
                self.account_id = account_id
                self.from = from
                self.to = to
                self.reason = reason
                self.in_flight = in_flight
            }
        }

        public struct Summary: Codable, Sendable, Equatable {
            public let moves: Int
            /// Moves of accounts that had a slot (the rest are first placements).
            public let relocations: Int?
            /// Relocations that wait for a job in flight.
            public let deferred: Int
            /// Accounts left without a slot (no active slot at all).
            public let unplaced: Int
            public let by_reason: [String: Int]

            public init(moves: Int, relocations: Int?, deferred: Int, unplaced: Int, by_reason: [String: Int]) {
                self.moves = moves
                self.relocations = relocations
                self.deferred = deferred
                self.unplaced = unplaced
                self.by_reason = by_reason
            }
        }

        public let dry_run: Bool?
        public let applied: Bool
        /// A `PlacementMode` raw value.
        public let mode: String
        public let summary: Summary
        public let moves: [Move]

        public init(dry_run: Bool?, applied: Bool, mode: String, summary: Summary, moves: [Move]) {
            self.dry_run = dry_run
            self.applied = applied
            self.mode = mode
            self.summary = summary
            self.moves = moves
        }
    }
}
