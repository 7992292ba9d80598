import Foundation
import KlaroCore
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// Keeps `worker_hosts` and `terminal_slots` in step with what workers write to Redis
/// (registrations and heartbeats, docs/protocol.md §4–§5), marks slots dead when their
/// heartbeat stops, and re-places accounts when the set of usable slots changes (DESIGN §4).
/// Runs on the leader.
public final class FleetMonitor: Service, Sendable {
    private let pool: PostgresPool
    private let redis: RedisClient
    private let leadership: LeaderElection
    private let settings: SyncSettings
    private let metrics: KlaroMetrics
    private let logger: Logger
    private let interval: Duration
    let placer: AccountPlacer
    /// Keys already reported as unreadable.
    private let unreadable = Mutex<Set<String>>([])

    public init(
        pool: PostgresPool, redis: RedisClient, leadership: LeaderElection, settings: SyncSettings, metrics: KlaroMetrics,
        logger: Logger, interval: Duration = .seconds(2)
    ) {
        self.pool = pool
        self.redis = redis
        self.leadership = leadership
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        placer = AccountPlacer(pool: pool, settings: settings, metrics: metrics, logger: logger)
    }

    public func run() async throws {
        await leadership.everyRound(interval, logger: logger, failure: "fleet refresh failed") {
            try await refresh()
        }
    }

    /// Reads registrations and heartbeats, updates the tables, marks dead slots, and places
    /// accounts if the usable slots changed or accounts wait for a slot.
    public func refresh() async throws {
        let registrations = try await readAll(ProtocolKeys.hostPattern, as: HostRegistration.self)
        let heartbeats = try await readAll(ProtocolKeys.heartbeatPattern, as: Heartbeat.self)
        let deadAfter = settings.slotDeadAfter
        let (events, died) = try await pool.transaction { connection -> ([HostEvent], [String]) in
            let events = try Self.upsertHosts(registrations, connection: connection)
            try Self.upsertSlots(heartbeats, connection: connection)
            let died = try connection.query(Self.markDead, [deadAfter]).map { try "\($0.string(0)):\($0.int(1))" }
            return (events, died)
        }
        for event in events {
            switch event {
            case .registered(let host, let fingerprint):
                logger.notice("new worker host registered; it gets no jobs until an operator approves its key", metadata: [
                    "host": "\(host)", "key_fingerprint": "\(fingerprint ?? "invalid key")",
                ])
            case .refused(let host, let presented):
                logger.error("worker host presented a public key that was not approved; it gets no jobs", metadata: [
                    "host": "\(host)", "key_fingerprint": "\(presented ?? "invalid key")",
                ])
            }
        }
        if !died.isEmpty {
            for slot in died {
                logger.debug("slot is dead: no heartbeat", metadata: ["slot": "\(slot)"])
            }
            logger.warning("slots dead: no heartbeat", metadata: BurstLog.summary(count: died.count, examples: died))
        }
        try await placer.placeIfNeeded()
    }

    private func readAll<T: Decodable>(_ pattern: String, as type: T.Type) async throws -> [T] {
        let keys = try await redis.scan(match: pattern)
        guard !keys.isEmpty else { return [] }
        var values: [T] = []
        for chunk in stride(from: 0, to: keys.count, by: 500).map({ Array(keys[$0..<min($0 + 500, keys.count)]) }) {
            for (key, text) in zip(chunk, try await redis.mget(chunk)) {
                guard let text else { continue }
                do {
                    values.append(try JSONDecoder().decode(T.self, from: Data(text.utf8)))
                    unreadable.withLock { _ = $0.remove(key) }
                } catch {
                    // Said once per key until it is readable again: a worker that writes a
                    // broken registration or heartbeat would otherwise just look absent.
                    if unreadable.withLock({ $0.insert(key).inserted }) {
                        logger.warning("a worker key does not follow protocol v1; ignored", metadata: [
                            "key": "\(key)", "error": "\(ResultDecodingError.describe(error))",
                        ])
                    }
                }
            }
        }
        return values
    }

    // MARK: Statements

    /// A change in a host's admission that an operator must hear about.
    enum HostEvent: Sendable, Equatable {
        /// A host registered for the first time (state `pending`).
        case registered(host: String, fingerprint: String?)
        /// A known host presented a key other than the approved one (state `refused`).
        case refused(host: String, presented: String?)
    }

    /// Upserts host registrations. A host whose presented key differs from the one an operator
    /// approved is set to `refused`. New and newly refused hosts are written to the audit log
    /// (actor `klarod`) and returned, once each, not on every refresh.
    static func upsertHosts(_ registrations: [HostRegistration], connection: PostgresConnection) throws -> [HostEvent] {
        let valid = registrations.filter { ProtocolKeys.isValidHostID($0.host) }
        guard !valid.isEmpty else { return [] }
        let hosts = valid.map(\.host)
        var before: [String: (state: String, approved: String?)] = [:]
        for row in try connection.query(
            "SELECT host_id, admin_state, approved_key FROM worker_hosts WHERE host_id = ANY($1::text[]) FOR UPDATE", [hosts]
        ) {
            before[try row.string(0)] = (try row.string(1), row.stringOrNil(2))
        }
        let rows = try connection.query("""
            INSERT INTO worker_hosts AS h (host_id, public_key, declared_slots, version, started_at, last_seen_at)
            SELECT u.host, u.key, u.slots, u.version, to_timestamp(u.started / 1000.0), now()
            FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bigint[]) AS u(host, key, slots, version, started)
            ON CONFLICT (host_id) DO UPDATE SET
                public_key = excluded.public_key, declared_slots = excluded.declared_slots, version = excluded.version,
                started_at = excluded.started_at, last_seen_at = now(),
                admin_state = CASE WHEN h.approved_key IS NOT NULL AND h.approved_key <> excluded.public_key
                                   THEN 'refused' ELSE h.admin_state END
            RETURNING host_id, admin_state, public_key
            """, [hosts, valid.map(\.publicKey), valid.map(\.slots), valid.map(\.version), valid.map(\.startedAt)])
        var events: [HostEvent] = []
        for row in rows {
            let host = try row.string(0), state = try row.string(1), key = try row.string(2)
            let fingerprint = HostApproval.fingerprint(ofBase64: key)
            if let previous = before[host] {
                guard state == HostAdminState.refused.rawValue, previous.state != state else { continue }
                events.append(.refused(host: host, presented: fingerprint))
                try AdminAuditLog.insert(
                    connection, actor: "klarod", action: "host.refuse", target: host, result: .denied,
                    before: ["admin_state": .string(previous.state),
                             "key_fingerprint": .optional(previous.approved.flatMap(HostApproval.fingerprint(ofBase64:)))],
                    after: ["admin_state": .string(state), "key_fingerprint": .optional(fingerprint)]
                )
            } else {
                events.append(.registered(host: host, fingerprint: fingerprint))
                try AdminAuditLog.insert(
                    connection, actor: "klarod", action: "host.register", target: host,
                    after: ["admin_state": .string(state), "key_fingerprint": .optional(fingerprint)]
                )
            }
        }
        return events
    }

    /// Upserts slots from heartbeats of registered hosts. The time of a heartbeat is klarod's
    /// own clock when its `ts` changes, so a worker's wrong clock cannot fake liveness.
    static func upsertSlots(_ heartbeats: [Heartbeat], connection: PostgresConnection) throws {
        let valid = heartbeats.filter { ProtocolKeys.isValidHostID($0.host) && (1...1024).contains($0.slot) }
        guard !valid.isEmpty else { return }
        try connection.execute("""
            INSERT INTO terminal_slots AS s (host_id, slot, state, current_job_id, terminal_build, terminal_connected,
                                             restarts, heartbeat_ts, last_heartbeat_at)
            SELECT u.host, u.slot, u.state, u.job, u.build, u.connected, u.restarts, u.ts, now()
            FROM unnest($1::text[], $2::int[], $3::text[], $4::uuid[], $5::int[], $6::bool[], $7::int[], $8::bigint[])
                 AS u(host, slot, state, job, build, connected, restarts, ts)
            JOIN worker_hosts h ON h.host_id = u.host
            ON CONFLICT (host_id, slot) DO UPDATE SET
                state = CASE WHEN s.heartbeat_ts IS DISTINCT FROM excluded.heartbeat_ts THEN excluded.state ELSE s.state END,
                current_job_id = excluded.current_job_id, terminal_build = excluded.terminal_build,
                terminal_connected = excluded.terminal_connected, restarts = excluded.restarts,
                last_heartbeat_at = CASE WHEN s.heartbeat_ts IS DISTINCT FROM excluded.heartbeat_ts
                                         THEN now() ELSE s.last_heartbeat_at END,
                heartbeat_ts = excluded.heartbeat_ts
            """, [
                valid.map(\.host), valid.map(\.slot), valid.map(\.state.rawValue), valid.map(\.jobID),
                valid.map(\.terminalBuild), valid.map(\.terminalConnected), valid.map(\.restarts), valid.map(\.ts),
            ])
    }

    static let markDead = """
        UPDATE terminal_slots SET state = 'dead'
        WHERE state <> 'dead' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < now() - make_interval(secs => $1::float8))
        RETURNING host_id, slot
        """
}
