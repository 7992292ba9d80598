import Foundation
import KlaroAdminAPI
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

    /// The answer's body and its parts (shared with the CLI).
    typealias Response = AdminAPI.Rebalance
    typealias MoveView = AdminAPI.Rebalance.Move
    typealias Summary = AdminAPI.Rebalance.Summary

    static func response(_ run: PlacementRun) -> Response {
        let moves = run.moves.map { move in
            MoveView(account_id: move.account.uuidString.lowercased(), from: move.from?.description, to: move.to.description, reason: move.reason.rawValue,
                     in_flight: run.inFlight.contains(move.account))
        }
        var byReason: [String: Int] = [:]
        for move in run.moves { byReason[move.reason.rawValue, default: 0] += 1 }
        return Response(
            dry_run: !run.applied, applied: run.applied, mode: run.mode.rawValue,
            summary: Summary(
                moves: moves.count, relocations: run.result.relocations.count, deferred: run.deferred,
                unplaced: run.result.unplaced.count, by_reason: byReason
            ),
            moves: moves
        )
    }
}
