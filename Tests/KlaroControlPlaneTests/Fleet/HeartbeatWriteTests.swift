import Foundation
import KlaroAdminAPI
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import KlaroTestSupport
import Logging
import Testing
@testable import KlaroControlPlane

/// Heartbeats that change nothing but `ts` write no rows; liveness is kept in memory on the
/// leader and persisted coarsely (issue 16).
@Suite("Heartbeats write rows only on a change")
struct HeartbeatWriteTests {
    struct Setup {
        let pool: PostgresPool
        let redis: RedisClient
        let monitor: () -> FleetMonitor
        let host: String
    }

    func withMonitor(
        slotDeadAfter: Double, interval: Duration = .seconds(2), _ body: (Setup) async throws -> Void
    ) async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let redis = try await TestRedis.client()
            let logger = Logger(label: "test")
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics
            let leadership = LeaderElection(url: database.url, metrics: metrics, logger: logger)
            let settings = SyncSettings(interval: 900, slotDeadAfter: slotDeadAfter, heartbeatPersistInterval: 3600, schedulerTick: 0.1)
            let host = "hb-" + UUID().uuidString.prefix(8).lowercased()
            try await insertHost(pool, host, slots: 2)
            let setup = Setup(pool: pool, redis: redis, monitor: {
                FleetMonitor(
                    pool: pool, redis: redis, leadership: leadership, settings: settings, metrics: metrics, logger: logger,
                    interval: interval)
            }, host: host)
            try await body(setup)
            _ = try await redis.delete([ProtocolKeys.heartbeat(host, 1), ProtocolKeys.heartbeat(host, 2)])
            await redis.close()
            await pool.close()
        }
    }

    func beat(_ setup: Setup, slot: Int, ts: Int64, state: Heartbeat.State = .idle, job: UUID? = nil) async throws {
        let heartbeat = Heartbeat(
            host: setup.host, slot: slot, state: state, jobID: job, terminalBuild: 5200, terminalConnected: true, ts: ts,
            pid: 42, restarts: 0)
        let json = String(decoding: try JSONEncoder().encode(heartbeat), as: UTF8.self)
        try await setup.redis.set(ProtocolKeys.heartbeat(setup.host, slot), json, expireSeconds: 60)
    }

    /// Row versions of the host's slots and host row: they change with every write.
    func versions(_ setup: Setup) async throws -> [String] {
        try await setup.pool.query("""
            SELECT xmin::text FROM terminal_slots WHERE host_id = $1
            UNION ALL SELECT xmin::text FROM worker_hosts WHERE host_id = $1
            """, [setup.host]).map { try $0.string(0) }
    }

    func slotState(_ setup: Setup, _ slot: Int) async throws -> String {
        try await setup.pool.query(
            "SELECT state FROM terminal_slots WHERE host_id = $1 AND slot = $2", [setup.host, slot])[0].string(0)
    }

    @Test("unchanged heartbeats write nothing; a state change is written at once")
    func writesOnlyChanges() async throws {
        try await withMonitor(slotDeadAfter: 600) { setup in
            let monitor = setup.monitor()
            try await beat(setup, slot: 1, ts: 1)
            try await beat(setup, slot: 2, ts: 1)
            try await monitor.refresh()
            let before = try await versions(setup)
            for ts in Int64(2)...5 {
                try await beat(setup, slot: 1, ts: ts)
                try await beat(setup, slot: 2, ts: ts)
                try await monitor.refresh()
            }
            #expect(try await versions(setup) == before)

            let job = UUID()
            try await beat(setup, slot: 2, ts: 6, state: .busy, job: job)
            try await monitor.refresh()
            #expect(try await slotState(setup, 2) == "busy")
            let row = try await setup.pool.query(
                "SELECT current_job_id FROM terminal_slots WHERE host_id = $1 AND slot = 2", [setup.host])[0]
            #expect(try row.uuidOrNil(0) == job)
        }
    }

    @Test("a stopped heartbeat still makes the slot dead after slotDeadAfter, and the overview shows a fresh age")
    func stoppedHeartbeatDies() async throws {
        // Time is stepped, not slept, so a slow machine changes nothing: refreshes 0.2 s apart
        // (in the past, and a long round so the memory stays current) for 2.4 s.
        try await withMonitor(slotDeadAfter: 1.5, interval: .seconds(60)) { setup in
            let monitor = setup.monitor()
            let start = Date().addingTimeInterval(-10)
            try await beat(setup, slot: 1, ts: 1)
            try await beat(setup, slot: 2, ts: 1)
            try await monitor.refresh(at: start)
            var lastBeat = start
            for step in 1...12 {
                lastBeat = start.addingTimeInterval(0.2 * Double(step))
                try await beat(setup, slot: 1, ts: Int64(1 + step))  // slot 2 keeps its old ts: its worker hangs
                try await monitor.refresh(at: lastBeat)
                // Dead once 1.5 s have passed without a new ts, and not before.
                #expect(try await slotState(setup, 2) == (0.2 * Double(step) > 1.5 ? "dead" : "idle"), "step \(step)")
            }
            #expect(try await slotState(setup, 1) == "idle")
            #expect(try await slotState(setup, 2) == "dead")

            // The overview shows the heartbeat the leader holds in memory, not the persisted one.
            try await setup.pool.execute(
                "UPDATE worker_hosts SET last_seen_at = now() - interval '1 hour' WHERE host_id = $1", [setup.host])
            let overview = FleetOverview(pool: setup.pool, settings: adminSettings(), liveHeartbeats: { monitor.liveHeartbeats() })
            let before = Date()
            let host = try #require(try await overview.hosts(only: setup.host).first)
            let after = Date()
            let slot = try #require(host.slots.first { $0.slot == 1 })
            #expect(slot.last_heartbeat_at == lastBeat)
            let age = try #require(slot.heartbeat_age_seconds)
            #expect(age >= before.timeIntervalSince(lastBeat) && age <= after.timeIntervalSince(lastBeat), "age \(age)")
            #expect(host.last_seen_at == lastBeat)
        }
    }

    @Test("a new leader gives every heartbeating slot a full slotDeadAfter of grace from persisted times")
    func newLeaderGrace() async throws {
        try await withMonitor(slotDeadAfter: 1.5) { setup in
            // What an earlier leader persisted: ts 7, long ago (persisting is coarse).
            try await setup.pool.execute(
                "UPDATE terminal_slots SET heartbeat_ts = 7, last_heartbeat_at = now() - interval '1 hour' WHERE host_id = $1",
                [setup.host])
            try await beat(setup, slot: 1, ts: 7)
            try await beat(setup, slot: 2, ts: 7)
            let monitor = setup.monitor()
            try await monitor.refresh()
            #expect(try await slotState(setup, 1) == "idle")
            #expect(try await slotState(setup, 2) == "idle")
            try await Task.sleep(for: .seconds(1))
            try await beat(setup, slot: 1, ts: 8)
            try await monitor.refresh()
            try await Task.sleep(for: .seconds(1))
            try await monitor.refresh()
            #expect(try await slotState(setup, 1) == "idle")
            #expect(try await slotState(setup, 2) == "dead")
        }
    }

    @Test("last-heartbeat times reach the database at the persist interval")
    func persistsCoarsely() async throws {
        try await withTestDatabase { database in
            let pool = database.pool()
            let redis = try await TestRedis.client()
            let logger = Logger(label: "test")
            let metrics = MetricsBootstrap(build: BuildInfo(version: "t", revision: "t")).metrics
            let settings = SyncSettings(interval: 900, slotDeadAfter: 600, heartbeatPersistInterval: 0.5, schedulerTick: 0.1)
            let monitor = FleetMonitor(
                pool: pool, redis: redis, leadership: LeaderElection(url: database.url, metrics: metrics, logger: logger),
                settings: settings, metrics: metrics, logger: logger)
            let host = "hp-" + UUID().uuidString.prefix(8).lowercased()
            try await insertHost(pool, host, slots: 1)
            try await pool.execute(
                "UPDATE terminal_slots SET last_heartbeat_at = now() - interval '1 hour' WHERE host_id = $1", [host])
            try await pool.execute("UPDATE worker_hosts SET last_seen_at = now() - interval '1 hour' WHERE host_id = $1", [host])
            let setup = Setup(pool: pool, redis: redis, monitor: { monitor }, host: host)
            try await beat(setup, slot: 1, ts: 1)
            try await monitor.refresh()
            try await Task.sleep(for: .milliseconds(700))
            try await beat(setup, slot: 1, ts: 2)
            try await monitor.refresh()
            let ages = try await pool.query("""
                SELECT extract(epoch FROM now() - s.last_heartbeat_at)::float8, extract(epoch FROM now() - h.last_seen_at)::float8
                FROM terminal_slots s JOIN worker_hosts h USING (host_id) WHERE host_id = $1
                """, [host])[0]
            #expect(try ages.double(0) < 5)
            #expect(try ages.double(1) < 5)
            _ = try await redis.delete([ProtocolKeys.heartbeat(host, 1)])
            await redis.close()
            await pool.close()
        }
    }
}
