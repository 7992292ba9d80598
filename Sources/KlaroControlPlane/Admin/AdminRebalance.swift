import Foundation
import KlaroCore

/// `POST /admin/rebalance`: the full placement as a plan (`dry_run`) or applied.
///
/// Modes: `rebalance` (the default) puts every account on its ideal slot, so a host that
/// joined or came back takes its share; `keep_current` moves only what must move (accounts
/// of unusable slots, and accounts beyond a slot's capacity). Applying moves accounts whose
/// jobs are not in flight now and the others when their job finishes (`in_flight: true`).
enum AdminRebalance {
    struct Body: AdminRequestBody {
        var dry_run: Bool?
        var mode: PlacementMode?

        static let fields: Set<String> = ["dry_run", "mode"]
    }

    /// One move of the plan. Field names are the API's.
    struct MoveView: Encodable, Sendable, Equatable {
        let account_id: String
        /// `host:slot`, absent for an account that had none.
        let from: String?
        let to: String
        let reason: MoveReason
        /// The account's job is in flight: it moves when that job finishes.
        let in_flight: Bool
    }

    struct Summary: Encodable, Sendable, Equatable {
        let moves: Int
        /// Moves of accounts that had a slot (the rest are first placements).
        let relocations: Int
        /// Relocations that wait for a job in flight.
        let deferred: Int
        /// Accounts left without a slot (no active slot at all).
        let unplaced: Int
        let by_reason: [String: Int]
    }

    struct Response: Encodable, Sendable {
        let dry_run: Bool
        let applied: Bool
        let mode: PlacementMode
        let summary: Summary
        let moves: [MoveView]
    }

    static func response(_ run: PlacementRun) -> Response {
        let moves = run.moves.map { move in
            MoveView(account_id: move.account.uuidString.lowercased(), from: move.from?.description, to: move.to.description, reason: move.reason,
                     in_flight: run.inFlight.contains(move.account))
        }
        var byReason: [String: Int] = [:]
        for move in run.moves { byReason[move.reason.rawValue, default: 0] += 1 }
        return Response(
            dry_run: !run.applied, applied: run.applied, mode: run.mode,
            summary: Summary(
                moves: moves.count, relocations: run.result.relocations.count, deferred: run.deferred,
                unplaced: run.result.unplaced.count, by_reason: byReason
            ),
            moves: moves
        )
    }
}
