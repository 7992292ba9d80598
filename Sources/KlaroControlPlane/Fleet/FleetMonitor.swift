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
    /// Liveness between database writes; only the leader's is current.
    private let memory = Mutex(Memory())

    struct Memory {
        var liveness = SlotLiveness()
        var lastRefresh: Date?
        var lastPersist = Date.distantPast
    }

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

    /// Reads registrations and heartbeats, writes the host and slot rows that changed, marks
    /// dead slots, and places accounts if the usable slots changed or accounts wait for a slot.
    /// Liveness is kept in memory; last-heartbeat times reach the database every
    /// `heartbeatPersistInterval` (issue 16: unchanged heartbeats write no rows).
    public func refresh() async throws {
        try await refresh(at: Date())
    }

    /// `refresh()` as if the time were `now` (tests step time instead of sleeping).
    func refresh(at now: Date) async throws {
        let registrations = try await readAll(ProtocolKeys.hostPattern, as: HostRegistration.self)
        let heartbeats = try await readAll(ProtocolKeys.heartbeatPattern, as: Heartbeat.self)
        let settings = self.settings
        let forgetAfter = memoryLapse
        let startFresh = memory.withLock { state in
            // A replica that was not refreshing (not the leader) has lost track: start over.
            state.lastRefresh.map { now.timeIntervalSince($0) > forgetAfter } ?? true
        }
        if startFresh {
            let persisted = try await pool.query("SELECT host_id, slot, heartbeat_ts, last_heartbeat_at FROM terminal_slots")
                .map { row in (id: SlotID(host: try row.string(0), index: try row.int(1)), ts: try row.intOrNil(2).map(Int64.init), at: try row.dateOrNil(3)) }
            let liveness = SlotLiveness(persisted: persisted, now: now, deadAfter: settings.slotDeadAfter)
            memory.withLock { $0 = Memory(liveness: liveness, lastRefresh: now, lastPersist: now) }
        }
        let valid = heartbeats.filter { ProtocolKeys.isValidHostID($0.host) && (1...1024).contains($0.slot) }
        let (fresh, alive, toPersist) = memory.withLock { state in
            let fresh = valid.map { state.liveness.observe(SlotID(host: $0.host, index: $0.slot), ts: $0.ts, now: now) }
            let present = Set(valid.map { SlotID(host: $0.host, index: $0.slot) })
            let alive = state.liveness.alive(now: now, deadAfter: settings.slotDeadAfter, present: present)
            state.lastRefresh = now
            let due = now.timeIntervalSince(state.lastPersist) >= settings.heartbeatPersistInterval
            if due { state.lastPersist = now }
            return (fresh, alive, due ? state.liveness.unpersisted : [])
        }
        let (events, died) = try await pool.transaction { connection -> ([HostEvent], [String]) in
            let events = try Self.upsertHosts(registrations, connection: connection)
            try Self.writeChangedSlots(valid, fresh: fresh, seenAt: now, connection: connection)
            if !toPersist.isEmpty { try Self.persistLastHeartbeats(toPersist, connection: connection) }
            let died = try connection.query(Self.markDead, [
                settings.slotDeadAfter, now, alive.map(\.host), alive.map(\.index),
            ]).map { try "\($0.string(0)):\($0.int(1))" }
            return (events, died)
        }
        memory.withLock { state in
            for slot in toPersist { state.liveness.persisted(slot.id, at: slot.seenAt) }
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
        // Load relief looks only in rounds that placed nothing (it has its own period).
        if try await placer.placeIfNeeded() == nil { try await placer.relieveIfDue() }
    }

    /// Load relief's look at the load per slot, what the leader pays every 5 minutes while no
    /// slot drifted (`klaro-bench schedule` times it): the usable slots past relief's bound.
    public func slotsPastReliefBound() async throws -> [SlotID] {
        try await placer.slotsPastReliefBound()
    }

    /// The automatic placement now, as after an operator approved hosts; returns the accounts
    /// it moved (`klaro-bench placement-wal` measures the WAL of its write).
    public func placeNow() async throws -> Int {
        try await placer.placeNow().moves.count
    }

    /// Seconds without a refresh after which this replica's memory is no longer current (it
    /// was not the leader): three missed rounds, or `slotDeadAfter` if longer.
    private var memoryLapse: Double {
        max(3 * Double(interval.components.seconds) + Double(interval.components.attoseconds) / 1e18, settings.slotDeadAfter)
    }

    /// The last heartbeat of each slot this replica knows of as the leader, fresher than the
    /// persisted `last_heartbeat_at` (empty on a replica that is not the leader).
    public func liveHeartbeats() -> [SlotID: Date] {
        memory.withLock { state in
            guard let last = state.lastRefresh, Date().timeIntervalSince(last) <= memoryLapse else { return [:] }
            var times: [SlotID: Date] = [:]
            for id in state.liveness.entries.keys {
                if let seen = state.liveness.lastHeartbeat(id) { times[id] = seen }
            }
            return times
        }
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

    /// Upserts host registrations that are new or changed (key, slots, version, start); an
    /// unchanged registration writes nothing. A host whose presented key differs from the one an
    /// operator approved is set to `refused`. New and newly refused hosts are written to the
    /// audit log (actor `klarod`) and returned, once each, not on every refresh.
    static func upsertHosts(_ registrations: [HostRegistration], connection: PostgresConnection) throws -> [HostEvent] {
        var valid = registrations.filter { ProtocolKeys.isValidHostID($0.host) }
        guard !valid.isEmpty else { return [] }
        var stored: [String: HostRegistration] = [:]
        for row in try connection.query("""
            SELECT host_id, declared_slots, public_key, version, (extract(epoch FROM started_at) * 1000)::bigint
            FROM worker_hosts WHERE host_id = ANY($1::text[])
            """, [valid.map(\.host)]) {
            stored[try row.string(0)] = HostRegistration(
                host: try row.string(0), slots: try row.int(1), publicKey: try row.string(2), version: try row.string(3),
                startedAt: try row.intOrNil(4).map(Int64.init) ?? -1)
        }
        valid.removeAll { stored[$0.host] == $0 }
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

    /// Writes the slots whose heartbeat says something new: a new slot, another state (taken
    /// only from a heartbeat whose `ts` is new, `fresh`, so a stale key cannot revive a dead
    /// slot), job, terminal build, connection or restart count. Unchanged slots write nothing.
    static func writeChangedSlots(
        _ heartbeats: [Heartbeat], fresh: [Bool], seenAt: Date, connection: PostgresConnection
    ) throws {
        guard !heartbeats.isEmpty else { return }
        let columns: [any PostgresBindable] = [
            heartbeats.map(\.host), heartbeats.map(\.slot), heartbeats.map(\.state.rawValue), heartbeats.map(\.jobID),
            heartbeats.map(\.terminalBuild), heartbeats.map(\.terminalConnected), heartbeats.map(\.restarts),
            heartbeats.map(\.ts), fresh, seenAt,
        ]
        try connection.execute("""
            UPDATE terminal_slots s SET
                state = CASE WHEN u.fresh THEN u.state ELSE s.state END, current_job_id = u.job, terminal_build = u.build,
                terminal_connected = u.connected, restarts = u.restarts,
                heartbeat_ts = CASE WHEN u.fresh THEN u.ts ELSE s.heartbeat_ts END,
                last_heartbeat_at = CASE WHEN u.fresh THEN $10::timestamptz ELSE s.last_heartbeat_at END
            FROM unnest($1::text[], $2::int[], $3::text[], $4::uuid[], $5::int[], $6::bool[], $7::int[], $8::bigint[], $9::bool[])
                 AS u(host, slot, state, job, build, connected, restarts, ts, fresh)
            WHERE s.host_id = u.host AND s.slot = u.slot
              AND ((u.fresh AND s.state <> u.state) OR s.current_job_id IS DISTINCT FROM u.job
                   OR s.terminal_build IS DISTINCT FROM u.build OR s.terminal_connected IS DISTINCT FROM u.connected
                   OR s.restarts <> u.restarts)
            """, columns)
        try connection.execute("""
            INSERT INTO terminal_slots (host_id, slot, state, current_job_id, terminal_build, terminal_connected,
                                        restarts, heartbeat_ts, last_heartbeat_at)
            SELECT u.host, u.slot, u.state, u.job, u.build, u.connected, u.restarts, u.ts, $10::timestamptz
            FROM unnest($1::text[], $2::int[], $3::text[], $4::uuid[], $5::int[], $6::bool[], $7::int[], $8::bigint[], $9::bool[])
                 AS u(host, slot, state, job, build, connected, restarts, ts, fresh)
            JOIN worker_hosts h ON h.host_id = u.host
            WHERE NOT EXISTS (SELECT 1 FROM terminal_slots t WHERE t.host_id = u.host AND t.slot = u.slot)
            ON CONFLICT (host_id, slot) DO NOTHING
            """, columns)
    }

    /// Writes the coarse last-heartbeat times: each slot's, and each host's latest slot's as
    /// its `last_seen_at`.
    static func persistLastHeartbeats(
        _ slots: [(id: SlotID, ts: Int64?, seenAt: Date)], connection: PostgresConnection
    ) throws {
        try connection.execute("""
            UPDATE terminal_slots s SET last_heartbeat_at = u.seen, heartbeat_ts = COALESCE(u.ts, s.heartbeat_ts)
            FROM unnest($1::text[], $2::int[], $3::bigint[], $4::timestamptz[]) AS u(host, slot, ts, seen)
            WHERE s.host_id = u.host AND s.slot = u.slot AND s.last_heartbeat_at IS DISTINCT FROM u.seen
            """, [slots.map(\.id.host), slots.map(\.id.index), slots.map(\.ts), slots.map(\.seenAt)])
        var hosts: [String: Date] = [:]
        for slot in slots { hosts[slot.id.host] = max(hosts[slot.id.host] ?? slot.seenAt, slot.seenAt) }
        try connection.execute("""
            UPDATE worker_hosts h SET last_seen_at = u.seen
            FROM unnest($1::text[], $2::timestamptz[]) AS u(host, seen)
            WHERE h.host_id = u.host AND (h.last_seen_at IS NULL OR h.last_seen_at < u.seen)
            """, [Array(hosts.keys), hosts.keys.map { hosts[$0]! }])
    }

    /// Marks dead the slots not alive in the leader's memory ($3, $4) whose persisted last
    /// heartbeat is older than `slotDeadAfter` by klarod's clock ($2); slots the leader does not
    /// know (never heartbeated) are judged by their persisted time alone.
    static let markDead = """
        UPDATE terminal_slots s SET state = 'dead'
        WHERE state <> 'dead'
          AND (last_heartbeat_at IS NULL OR last_heartbeat_at < $2::timestamptz - make_interval(secs => $1::float8))
          AND NOT EXISTS (SELECT 1 FROM unnest($3::text[], $4::int[]) AS a(host, slot)
                          WHERE a.host = s.host_id AND a.slot = s.slot)
        RETURNING host_id, slot
        """
}
