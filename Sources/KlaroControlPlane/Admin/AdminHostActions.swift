import Foundation
import HTTPTypes
import KlaroPostgres
import Logging

/// Changes a host's admin state (`POST /admin/hosts/{host}/{action}`): drain, undrain,
/// cordon, uncordon, approve. Each change and each refused attempt is audited in the same
/// transaction; after a change, an automatic placement runs at once, so a draining host's
/// accounts move now rather than at the fleet monitor's next tick.
struct AdminHostActions: Sendable {
    /// The body of a host action. `fingerprint` is required to approve; `force` lets the last
    /// usable host drain (its accounts then wait unplaced).
    struct Body: AdminRequestBody {
        var fingerprint: String?
        var force: Bool?

        static let fields: Set<String> = ["fingerprint", "force"]
    }

    let pool: PostgresPool
    let placer: AccountPlacer
    let logger: Logger

    /// What the transaction decided.
    private enum Decision: Sendable {
        case changed
        case unchanged
        case refused(HTTPProblem)
    }

    /// Applies `action` to `host` for `actor`; throws an ``HTTPProblem`` (404, 409, 422) when it
    /// does not apply.
    func perform(_ action: HostAction, host: String, body: Body, actor: String, remoteAddress: String?) async throws {
        if action == .approve, body.fingerprint?.isEmpty ?? true {
            throw HTTPProblem.invalid([.init(field: "fingerprint", message: "is required: the SHA256:… fingerprint you checked")])
        }
        let decision = try await pool.transaction { connection -> Decision in
            let rows = try connection.query(
                "SELECT admin_state, public_key, approved_key FROM worker_hosts WHERE host_id = $1 FOR UPDATE", [host])
            guard let row = rows.first else { return .refused(HTTPProblem.notFound("host \(host)")) }
            let state = HostAdminState(rawValue: try row.string(0)) ?? .pending
            let publicKey = try row.string(1)
            let approvedKey = row.stringOrNil(2)
            // The approved key's fingerprint is recorded for approvals, where it changes.
            let before: JSONValue = action == .approve
                ? ["admin_state": .string(state.rawValue),
                   "key_fingerprint": .optional(approvedKey.flatMap(HostApproval.fingerprint(ofBase64:)))]
                : ["admin_state": .string(state.rawValue)]
            func refuse(_ problem: HTTPProblem, result: AdminAuditLog.Outcome = .failed) throws -> Decision {
                try AdminAuditLog.insert(
                    connection, actor: actor, action: "host.\(action.rawValue)", target: host, result: result,
                    remoteAddress: remoteAddress, before: before, after: ["refused": .string(problem.code), "message": .string(problem.message)]
                )
                return .refused(problem)
            }

            var newState: HostAdminState
            var newKey = approvedKey
            if action == .approve {
                switch HostApproval.decide(fingerprint: body.fingerprint ?? "", publicKey: publicKey, approvedKey: approvedKey, state: state) {
                case .success(let approval):
                    newState = approval.state
                    newKey = approval.approvedKey
                case .failure(let refusal):
                    let code = refusal == .invalidKey ? "invalid_key" : "key_changed"
                    return try refuse(HTTPProblem(.conflict, code: code, message: refusal.description), result: .denied)
                }
            } else {
                switch action.apply(to: state) {
                case .success(let next): newState = next
                case .failure(let refusal): return try refuse(HTTPProblem(.conflict, code: "invalid_state", message: refusal.description))
                }
            }
            if action == .drain, state != .draining, !(body.force ?? false) {
                let others = try connection.query("""
                    SELECT count(*) FROM terminal_slots s JOIN worker_hosts h ON h.host_id = s.host_id
                    WHERE s.host_id <> $1 AND s.state <> 'dead' AND h.admin_state = 'active' AND \(HostApproval.admittedSQL)
                    """, [host])[0].int(0)
                let accounts = try connection.query("""
                    SELECT count(*) FROM account_schedule
                    WHERE assigned_host = $1 AND status = 'active' AND is_active
                    """, [host])[0].int(0)
                if others == 0 && accounts > 0 {
                    return try refuse(HTTPProblem(.conflict, code: "no_capacity", message:
                        "no other active host has a live slot for its \(accounts) accounts; add or uncordon a host first, or drain with force"))
                }
            }
            guard newState != state || newKey != approvedKey else {
                try AdminAuditLog.insert(connection, actor: actor, action: "host.\(action.rawValue)", target: host,
                                         remoteAddress: remoteAddress, before: before, after: before)
                return .unchanged
            }
            if action == .approve {
                try connection.execute("""
                    UPDATE worker_hosts SET admin_state = $2, approved_key = $3, approved_at = now(), approved_by = $4
                    WHERE host_id = $1
                    """, [host, newState.rawValue, newKey, actor])
            } else {
                try connection.execute("UPDATE worker_hosts SET admin_state = $2 WHERE host_id = $1", [host, newState.rawValue])
            }
            try AdminAuditLog.insert(
                connection, actor: actor, action: "host.\(action.rawValue)", target: host, remoteAddress: remoteAddress,
                before: before,
                after: action == .approve
                    ? ["admin_state": .string(newState.rawValue),
                       "key_fingerprint": .optional(newKey.flatMap(HostApproval.fingerprint(ofBase64:)))]
                    : ["admin_state": .string(newState.rawValue)]
            )
            return .changed
        }
        switch decision {
        case .refused(let problem):
            throw problem
        case .unchanged:
            return
        case .changed:
            logger.notice("host state changed by an operator", metadata: ["host": "\(host)", "action": "\(action.rawValue)", "actor": "\(actor)"])
            do {
                try await placer.placeNow()
            } catch {
                // The fleet monitor places again within its interval.
                logger.warning("placement after a host change failed", metadata: ["host": "\(host)", "error": "\(error)"])
            }
        }
    }
}
