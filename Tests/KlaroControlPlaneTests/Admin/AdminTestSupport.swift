import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport

/// Settings for admin API tests: slots stay alive without heartbeats for ten minutes, so hosts
/// written straight into the database behave as live ones.
func adminSettings() -> SyncSettings {
    SyncSettings(interval: 900, slotDeadAfter: 600, schedulerTick: 0.1)
}

/// A host written straight into the database (no worker behind it); returns its public key.
@discardableResult
func insertHost(
    _ pool: PostgresPool, _ host: String, slots: Int = 2, state: HostAdminState = .active, approved: Bool = true
) async throws -> String {
    let key = try X25519KeyPair.generate().publicKeyBase64
    try await pool.execute("""
        INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key, declared_slots, version, last_seen_at)
        VALUES ($1, $2, $3, $4, $5, 'test 1', now())
        """, [host, state.rawValue, key, approved ? key : nil, slots])
    try await pool.execute("""
        INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at)
        SELECT $1, n, 'idle', now() FROM generate_series(1, $2::int) AS n
        """, [host, slots])
    return key
}

extension PipelineFixture {
    /// Runs the fleet monitor once (placement included), as the leader would.
    func refreshFleet() async throws {
        try await klarod.controlPlane.fleetMonitor.refresh()
    }

    /// Audit entries, newest first, as the API returns them.
    func auditEntries(action: String? = nil) async throws -> [[String: Any]] {
        let query = action.map { "?action=\($0)" } ?? ""
        return try await admin("GET", "/admin/audit" + query).json()["entries"] as? [[String: Any]] ?? []
    }
}
