import Foundation
import KlaroCore
import KlaroPostgres
import KlaroTelemetry
import Logging
import Prometheus
import Synchronization

/// Computes and applies account placement (DESIGN §4) with KlaroCore's ``Placement``.
///
/// It places when the usable slots changed, when active accounts have no slot, and at least
/// once a minute (accounts added since may leave slots over capacity). Assignments only move
/// where placement says so; a job in flight finishes on its old slot, since the dispatch reads
/// the assignment when the account is next due.
final class AccountPlacer: Sendable {
    private let pool: PostgresPool
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let last = Mutex<(signature: String, at: ContinuousClock.Instant)?>(nil)

    init(pool: PostgresPool, settings: SyncSettings, metrics: KlaroMetrics, logger: Logger) {
        self.pool = pool
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
    }

    /// Places accounts if something changed; returns the moves applied.
    @discardableResult
    func placeIfNeeded() async throws -> [Move] {
        let slots = try await loadSlots()
        let signature = slots.map { "\($0.id)=\($0.state.rawValue)/\($0.weight)" }.joined(separator: ",")
        let waiting = try await pool.query("""
            SELECT EXISTS (SELECT 1 FROM user_mt5_accounts
                           WHERE status = 'active' AND is_active AND assigned_host IS NULL)
            """)[0].bool(0)
        let due = last.withLock { last in
            guard let last else { return true }
            return last.signature != signature || ContinuousClock.now - last.at > .seconds(60)
        }
        guard waiting || due else { return [] }
        let result = try await plan(slots: slots, mode: .keepCurrent)
        try await apply(result)
        last.withLock { $0 = (signature, ContinuousClock.now) }
        return result.moves
    }

    /// The placement the current fleet calls for, without applying it (a dry run).
    func plan(mode: PlacementMode) async throws -> PlacementResult {
        try await plan(slots: try await loadSlots(), mode: mode)
    }

    private func plan(slots: [PlacementSlot], mode: PlacementMode) async throws -> PlacementResult {
        let accounts = try await pool.query("""
            SELECT id, assigned_host, assigned_slot, pinned_host, pinned_slot, mt5_server
            FROM user_mt5_accounts WHERE status = 'active' AND is_active
            """).map { row in
                PlacementAccount(
                    id: try row.uuid(0),
                    pin: try Self.slotID(row.stringOrNil(3), row.intOrNil(4)),
                    current: try Self.slotID(row.stringOrNil(1), row.intOrNil(2)),
                    server: row.stringOrNil(5)
                )
            }
        return try Placement.place(slots: slots, accounts: accounts, options: PlacementOptions(epsilon: settings.placementEpsilon), mode: mode)
    }

    /// Writes the assignments that changed and counts the moves.
    func apply(_ result: PlacementResult) async throws {
        var ids: [UUID] = [], hosts: [String?] = [], slots: [Int?] = []
        for move in result.moves {
            ids.append(move.account)
            hosts.append(move.to.host)
            slots.append(move.to.index)
        }
        for account in result.unplaced {
            ids.append(account)
            hosts.append(nil)
            slots.append(nil)
        }
        guard !ids.isEmpty else { return }
        try await pool.execute("""
            UPDATE user_mt5_accounts a SET assigned_host = u.host, assigned_slot = u.slot
            FROM unnest($1::uuid[], $2::text[], $3::int[]) AS u(id, host, slot)
            WHERE a.id = u.id
            """, [ids, hosts, slots])
        for move in result.moves {
            metrics.placementMoves(PlacementMoveReason(rawValue: move.reason.rawValue) ?? .rebalance).increment()
        }
        let relocated = result.moves.filter { $0.from != nil }.count
        logger.info("placement applied", metadata: [
            "placed": "\(result.moves.count - relocated)", "moved": "\(relocated)", "unplaced": "\(result.unplaced.count)",
        ])
    }

    /// Every known slot, in the state placement should treat it as.
    func loadSlots() async throws -> [PlacementSlot] {
        try await pool.query("""
            SELECT s.host_id, s.slot, s.weight, s.state, h.admin_state,
                   h.approved_key IS NOT NULL AND h.approved_key = h.public_key AS admitted
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

    private static func slotID(_ host: String?, _ index: Int?) -> SlotID? {
        guard let host, let index else { return nil }
        return SlotID(host: host, index: index)
    }
}
