import Foundation
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres

/// The fleet as an operator sees it (`GET /admin/fleet`, `GET /admin/hosts/{host}`): hosts
/// with their admission and key, slots with liveness, load against capacity, the job they
/// run, and their success rate over the last hour.
struct FleetOverview: Sendable {
    /// One host and one slot, as `/admin` sends them (KlaroAdminAPI, shared with the CLI).
    typealias Host = AdminAPI.Host
    typealias Slot = AdminAPI.Slot

    let pool: PostgresPool
    let settings: SyncSettings
    /// The leader's in-memory last heartbeats, fresher than the coarsely persisted ones.
    var liveHeartbeats: @Sendable () -> [SlotID: Date] = { [:] }

    /// Every host (or just `host`), in host order.
    func hosts(only host: String? = nil) async throws -> [Host] {
        let settings = self.settings
        let live = liveHeartbeats()
        return try await pool.withConnection { connection in
            try Self.read(connection, host: host, settings: settings, live: live)
        }
    }

    private struct Counts {
        var accounts = 0, inFlight = 0, syncs = 0, ok = 0
    }

    private static func read(
        _ connection: PostgresConnection, host only: String?, settings: SyncSettings, live: [SlotID: Date]
    ) throws -> [Host] {
        let placementSlots = try AccountPlacer.loadSlots(connection)
        let placementState = Dictionary(uniqueKeysWithValues: placementSlots.map { ($0.id, $0.state) })
        var counts: [SlotID: Counts] = [:]
        for row in try connection.query("""
            SELECT assigned_host, assigned_slot, count(*) FROM account_schedule
            WHERE status = 'active' AND is_active AND assigned_host IS NOT NULL GROUP BY 1, 2
            """) {
            counts[SlotID(host: try row.string(0), index: try row.int(1)), default: Counts()].accounts = try row.int(2)
        }
        for row in try connection.query("""
            SELECT inflight_host, inflight_slot, count(*) FROM account_schedule
            WHERE inflight_job_id IS NOT NULL GROUP BY 1, 2
            """) {
            counts[SlotID(host: try row.string(0), index: try row.int(1)), default: Counts()].inFlight = try row.int(2)
        }
        for row in try connection.query("""
            SELECT host_id, slot, count(*), count(*) FILTER (WHERE outcome = 'ok') FROM sync_runs
            WHERE state = 'finished' AND finished_at > now() - interval '1 hour'
              AND enqueued_at > now() - interval '1 hour' - make_interval(secs => $1::float8)
            GROUP BY 1, 2
            """, [settings.jobDeadline + settings.lostGrace]) {
            let id = SlotID(host: try row.string(0), index: try row.int(1))
            counts[id, default: Counts()].syncs = try row.int(2)
            counts[id, default: Counts()].ok = try row.int(3)
        }
        // Capacity as placement computes it: N excludes accounts staying on cordoned slots.
        let activeAccounts = try connection.query(
            "SELECT count(*) FROM user_mt5_accounts WHERE status = 'active' AND is_active")[0].int(0)
        let onCordoned = placementSlots.filter { $0.state == .cordoned }.reduce(0) { $0 + (counts[$1.id]?.accounts ?? 0) }
        let totalWeight = placementSlots.filter { $0.state == .active }.reduce(0) { $0 + $1.weight }
        func capacity(_ id: SlotID, weight: Double) -> Int? {
            guard placementState[id] == .active, totalWeight > 0 else { return nil }
            return Placement.capacity(
                accounts: activeAccounts - onCordoned, weight: weight, totalWeight: totalWeight, epsilon: settings.placementEpsilon)
        }

        var slotsByHost: [String: [Slot]] = [:]
        for row in try connection.query("""
            SELECT host_id, slot, state, weight, current_job_id, last_heartbeat_at, terminal_build, terminal_connected,
                   restarts, extract(epoch FROM now() - last_heartbeat_at)::float8
            FROM terminal_slots WHERE ($1::text IS NULL OR host_id = $1) ORDER BY host_id, slot
            """, [only]) {
            let id = SlotID(host: try row.string(0), index: try row.int(1))
            let count = counts[id] ?? Counts()
            let weight = try row.double(3)
            let state = try row.string(2)
            var lastHeartbeat = try row.dateOrNil(5), age = try row.doubleOrNil(9)
            if let seen = live[id], seen > lastHeartbeat ?? .distantPast {
                lastHeartbeat = seen
                age = max(0, Date().timeIntervalSince(seen))
            }
            slotsByHost[id.host, default: []].append(Slot(
                slot: id.index, state: state, placement: (placementState[id] ?? .dead).rawValue, weight: weight,
                accounts: count.accounts, capacity: capacity(id, weight: weight), in_flight: count.inFlight,
                current_job_id: state == "busy" ? try row.uuidOrNil(4)?.uuidString.lowercased() : nil, last_heartbeat_at: lastHeartbeat,
                heartbeat_age_seconds: age, terminal_build: try row.intOrNil(6),
                terminal_connected: try row.boolOrNil(7), restarts: try row.int(8), syncs_1h: count.syncs,
                success_rate_1h: count.syncs > 0 ? Double(count.ok) / Double(count.syncs) : nil
            ))
        }

        return try connection.query("""
            SELECT host_id, admin_state, public_key, approved_key, declared_slots, version, registered_at, last_seen_at,
                   approved_at, approved_by
            FROM worker_hosts WHERE ($1::text IS NULL OR host_id = $1) ORDER BY host_id
            """, [only]).map { row in
                let host = try row.string(0)
                let adminState = HostAdminState(rawValue: try row.string(1)) ?? .pending
                let publicKey = try row.string(2)
                let approvedKey = row.stringOrNil(3)
                let slots = slotsByHost[host] ?? []
                let live = slots.count { $0.state != "dead" }
                let syncs = slots.reduce(0) { $0 + ($1.syncs_1h ?? 0) }
                let ok = slots.reduce(0) { $0 + (counts[SlotID(host: host, index: $1.slot)]?.ok ?? 0) }
                return Host(
                    host: host, state: adminState.isAdmitted && live == 0 ? "dead" : adminState.rawValue, admin_state: adminState.rawValue,
                    key_fingerprint: HostApproval.fingerprint(ofBase64: publicKey),
                    approved_key_fingerprint: approvedKey.flatMap(HostApproval.fingerprint(ofBase64:)),
                    key_approved: approvedKey == publicKey, version: try row.string(5), declared_slots: try row.int(4),
                    registered_at: try row.date(6),
                    // The persisted time is coarse; a slot's fresher heartbeat says more.
                    last_seen_at: [try row.dateOrNil(7), slots.compactMap(\.last_heartbeat_at).max()].compactMap { $0 }.max(),
                    approved_at: try row.dateOrNil(8),
                    approved_by: row.stringOrNil(9), live_slots: live, accounts: slots.reduce(0) { $0 + $1.accounts },
                    in_flight: slots.reduce(0) { $0 + $1.in_flight }, syncs_1h: syncs,
                    success_rate_1h: syncs > 0 ? Double(ok) / Double(syncs) : nil, slots: slots
                )
            }
    }
}
