import Foundation
import HTTPTypes
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres
import Logging

/// Accounts across users for operators: listing, pins, manual syncs and sync runs.
struct AdminAccounts: Sendable {
    /// `POST /admin/accounts/{id}/pin`.
    struct PinBody: AdminRequestBody {
        var host: String
        var slot: Int

        static let fields: Set<String> = ["host", "slot"]
    }

    /// The answer to a manual sync request (shared with the CLI).
    typealias SyncRequest = AdminAPI.SyncRequest

    /// One sync run (shared with the CLI).
    typealias Run = AdminAPI.Run

    let pool: PostgresPool
    let placer: AccountPlacer
    let settings: SyncSettings
    let logger: Logger

    /// Accounts matching the filters, the stalest first, and how many match in all.
    func list(status: String?, stale: Bool?, host: String?, limit: Int) async throws -> (accounts: [AdminAccountView], total: Int) {
        let filter = """
            WHERE ($2::text IS NULL OR a.status = $2)
              AND ($3::bool IS NULL OR (a.status = 'active' AND a.is_active
                   AND coalesce(a.last_success_at, a.created_at) < now() - make_interval(secs => $1::float8)) = $3)
              AND ($4::text IS NULL OR sch.assigned_host = $4 OR sch.inflight_host = $4)
            """
        let parameters: [any PostgresBindable] = [settings.staleAfter, status, stale, host]
        return try await pool.withConnection { connection in
            let total = try connection.query("SELECT count(*) FROM \(AdminAccountView.tables) \(filter)", parameters)[0].int(0)
            let accounts = try connection.query("""
                SELECT \(AdminAccountView.columns) FROM \(AdminAccountView.tables) \(filter)
                ORDER BY coalesce(a.last_success_at, a.created_at), a.id LIMIT $5
                """, parameters + [limit]).map(AdminAccountView.init(row:))
            return (accounts, total)
        }
    }

    /// One account; 404 if there is none.
    func view(_ id: UUID) async throws -> AdminAccountView {
        let staleAfter = settings.staleAfter
        let rows = try await pool.query(
            "SELECT \(AdminAccountView.columns) FROM \(AdminAccountView.tables) WHERE a.id = $2", [staleAfter, id])
        guard let row = rows.first else { throw HTTPProblem.notFound("account \(id.uuidString.lowercased())") }
        return try AdminAccountView(row: row)
    }

    /// Pins an account to a slot (nil: removes the pin), audited; then places at once.
    func pin(_ id: UUID, to slot: SlotID?, actor: String, remoteAddress: String?) async throws -> AdminAccountView {
        if let slot {
            var problems: [HTTPProblem.FieldError] = []
            if !ProtocolKeys.isValidHostID(slot.host) { problems.append(.init(field: "host", message: "is not a host id")) }
            if !(1...1024).contains(slot.index) { problems.append(.init(field: "slot", message: "must be from 1 to 1024")) }
            guard problems.isEmpty else { throw HTTPProblem.invalid(problems) }
        }
        let found = try await pool.transaction { connection -> Bool in
            let rows = try connection.query(
                """
                SELECT a.pinned_host, a.pinned_slot, s.assigned_host, s.assigned_slot
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1 FOR UPDATE OF a
                """, [id])
            guard let row = rows.first else { return false }
            if let slot, try connection.query(
                "SELECT 1 FROM terminal_slots WHERE host_id = $1 AND slot = $2", [slot.host, slot.index]).isEmpty {
                throw HTTPProblem.invalid([.init(field: "slot", message: "host \(slot.host) has no slot \(slot.index)")])
            }
            let before: JSONValue = [
                "pinned": .optional(try Self.slotText(row.stringOrNil(0), row.intOrNil(1))),
                "assigned": .optional(try Self.slotText(row.stringOrNil(2), row.intOrNil(3))),
            ]
            try connection.execute(
                "UPDATE user_mt5_accounts SET pinned_host = $2, pinned_slot = $3, updated_at = now() WHERE id = $1",
                [id, slot?.host, slot?.index])
            try AdminAuditLog.insert(
                connection, actor: actor, action: slot == nil ? "account.unpin" : "account.pin", target: id.uuidString.lowercased(),
                remoteAddress: remoteAddress, before: before, after: ["pinned": .optional(slot?.description)]
            )
            return true
        }
        guard found else { throw HTTPProblem.notFound("account \(id.uuidString.lowercased())") }
        do {
            try await placer.placeNow()
        } catch {
            logger.warning("placement after a pin failed", metadata: ["account_id": "\(id)", "error": "\(error)"])
        }
        return try await view(id)
    }

    /// Makes an account due now (no rate limit for operators), audited.
    func syncNow(_ id: UUID, actor: String, remoteAddress: String?) async throws -> SyncRequest {
        let outcome = try await pool.transaction { connection -> Result<SyncRequest, HTTPProblem>? in
            let rows = try connection.query("""
                SELECT a.status, a.is_active, s.inflight_job_id, s.next_sync_at, s.assigned_host, s.assigned_slot
                FROM user_mt5_accounts a JOIN account_schedule s ON s.account_id = a.id WHERE a.id = $1 FOR UPDATE OF a, s
                """, [id])
            guard let row = rows.first else { return nil }
            let status = try row.string(0)
            let assigned = try Self.slotText(row.stringOrNil(4), row.intOrNil(5))
            guard status == "active", try row.bool(1) else {
                try AdminAuditLog.insert(connection, actor: actor, action: "account.sync", target: id.uuidString.lowercased(),
                                         result: .failed, remoteAddress: remoteAddress, after: ["refused": "account_not_active"])
                return .failure(HTTPProblem(.conflict, code: "account_not_active", message:
                    "the account is \(status == "active" ? "switched off by its owner" : status); it is not synced until it is active again"))
            }
            if let job = try row.uuidOrNil(2) {
                return .success(SyncRequest(account_id: id.uuidString.lowercased(), queued: false, in_flight: true, next_sync_at: try row.date(3),
                                            assigned: assigned, message: "a sync is already running (job \(job.uuidString.lowercased()))"))
            }
            try connection.execute("UPDATE user_mt5_accounts SET sync_requested_at = now(), updated_at = now() WHERE id = $1", [id])
            let next = try connection.query(
                """
                UPDATE account_schedule SET next_sync_at = now(), staleness_deadline = least(staleness_deadline, now())
                WHERE account_id = $1 RETURNING next_sync_at
                """, [id])[0].date(0)
            try AdminAuditLog.insert(connection, actor: actor, action: "account.sync", target: id.uuidString.lowercased(),
                                     remoteAddress: remoteAddress, after: ["next_sync_at": .string(ISO8601DateFormatter().string(from: next))])
            return .success(SyncRequest(
                account_id: id.uuidString.lowercased(), queued: true, in_flight: false, next_sync_at: next, assigned: assigned,
                message: assigned.map { "due now on \($0)" } ?? "due now, but it has no slot: it syncs once a slot is free"
            ))
        }
        guard let outcome else { throw HTTPProblem.notFound("account \(id.uuidString.lowercased())") }
        return try outcome.get()
    }

    /// An account's recent sync runs, newest first; 404 if the account does not exist.
    func runs(_ id: UUID, limit: Int) async throws -> [Run] {
        try await pool.withConnection { connection in
            guard try !connection.query("SELECT 1 FROM user_mt5_accounts WHERE id = $1", [id]).isEmpty else {
                throw HTTPProblem.notFound("account \(id.uuidString.lowercased())")
            }
            return try connection.query("""
                SELECT job_id, host_id, slot, attempt, state, outcome, error_code, error_message, enqueued_at, started_at,
                       finished_at, queue_wait_ms, duration_ms, login_ms, fetch_ms, positions_count, deals_count
                FROM sync_runs WHERE account_id = $1 ORDER BY enqueued_at DESC LIMIT $2
                """, [id, limit]).map { row in
                    Run(
                        job_id: try row.uuid(0).uuidString.lowercased(), host: try row.string(1), slot: try row.int(2), attempt: try row.int(3),
                        state: try row.string(4), outcome: row.stringOrNil(5), error_code: try row.intOrNil(6),
                        error_message: row.stringOrNil(7), enqueued_at: try row.date(8), started_at: try row.dateOrNil(9),
                        finished_at: try row.dateOrNil(10), queue_wait_ms: try row.intOrNil(11), duration_ms: try row.intOrNil(12),
                        login_ms: try row.intOrNil(13), fetch_ms: try row.intOrNil(14), positions_count: try row.intOrNil(15),
                        deals_count: try row.intOrNil(16)
                    )
                }
        }
    }

    static func slotText(_ host: String?, _ index: Int?) -> String? {
        guard let host, let index else { return nil }
        return "\(host):\(index)"
    }
}
