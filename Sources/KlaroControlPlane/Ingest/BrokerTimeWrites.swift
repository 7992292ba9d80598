import Foundation
import KlaroCore
import KlaroPostgres

/// The ingest's broker-time part (issue 12): symbols' digits, each server's learned clock,
/// and the UTC instants of the deals, positions and trades a batch wrote.
///
/// Runs inside the ingest's transaction. A server's clock row is locked while it is read and
/// written, so replicas ingesting results of the same server take turns.
struct BrokerTimeWrites {
    private var symbolAccount: [UUID] = [], symbolName: [String] = [], symbolDigits: [Int] = [], symbolPoint: [Double] = []
    private var samples: [(account: UUID, sample: ServerClockSample)] = []
    private(set) var accounts: [UUID] = []

    mutating func add(_ message: ResultMessage) {
        guard message.outcome == .ok else { return }
        accounts.append(message.accountID)
        for spec in message.symbols ?? [] where spec.isValid {
            symbolAccount.append(message.accountID)
            symbolName.append(spec.symbol)
            symbolDigits.append(spec.digits)
            symbolPoint.append(spec.point)
        }
        if let sample = message.serverClock { samples.append((message.accountID, sample)) }
    }

    /// Stores the symbols (before trades are rebuilt, which round prices to their digits).
    func writeSymbols(_ connection: PostgresConnection) throws {
        guard !symbolAccount.isEmpty else { return }
        try connection.execute(
            """
            INSERT INTO broker_symbols AS s (server, symbol, digits, point, updated_at)
            SELECT DISTINCT ON (a.mt5_server, u.symbol) a.mt5_server, u.symbol, u.digits, u.point, now()
            FROM unnest($1::uuid[], $2::text[], $3::int[], $4::numeric[]) AS u(account_id, symbol, digits, point)
            JOIN user_mt5_accounts a ON a.id = u.account_id
            ORDER BY a.mt5_server, u.symbol
            ON CONFLICT (server, symbol) DO UPDATE SET digits = excluded.digits, point = excluded.point,
                updated_at = excluded.updated_at
            """,
            [symbolAccount, symbolName, symbolDigits, symbolPoint])
    }

    /// Learns from the clock samples, then converts what the batch wrote (and, for a server
    /// whose offsets changed, everything its accounts hold).
    func writeTimes(_ connection: PostgresConnection) throws {
        guard !accounts.isEmpty else { return }
        var changedServers: [String] = []
        if !samples.isEmpty {
            let rows = try connection.query(
                "SELECT id, mt5_server FROM user_mt5_accounts WHERE id = ANY($1::uuid[])", [samples.map(\.account)])
            var serverOf: [UUID: String] = [:]
            for row in rows { serverOf[try row.uuid(0)] = try row.string(1) }
            let byServer = Dictionary(grouping: samples.compactMap { entry in serverOf[entry.account].map { ($0, entry.sample) } }, by: \.0)
            for server in byServer.keys.sorted() {
                let sorted = byServer[server]!.map(\.1).sorted { $0.utcMs < $1.utcMs }
                if try Self.learn(server: server, samples: sorted, connection: connection) { changedServers.append(server) }
            }
        }
        for server in changedServers {
            let ids = try connection.query("SELECT id FROM user_mt5_accounts WHERE mt5_server = $1", [server]).map { try $0.uuid(0) }
            try Self.convert(accounts: ids, all: true, connection: connection)
        }
        // Only accounts whose server's offset is known: the others' rows wait (cheaply) unconverted.
        let known = try connection.query(
            """
            SELECT a.id FROM user_mt5_accounts a
            WHERE a.id = ANY($1::uuid[]) AND EXISTS (SELECT 1 FROM broker_offsets b WHERE b.server = a.mt5_server)
            """,
            [accounts]
        ).map { try $0.uuid(0) }
        try Self.convert(accounts: known, all: false, connection: connection)
    }

    /// Feeds a server's samples to its clock; rewrites its offset table when it changed.
    static func learn(server: String, samples: [ServerClockSample], connection: PostgresConnection) throws -> Bool {
        try connection.execute(
            "INSERT INTO broker_clocks (server, state) VALUES ($1, '{}'::jsonb) ON CONFLICT (server) DO NOTHING", [server])
        let state = try connection.query("SELECT state::text FROM broker_clocks WHERE server = $1 FOR UPDATE", [server])
        let text = try state.first.map { try $0.string(0) } ?? "{}"
        var clock = (try? JSONDecoder().decode(BrokerClock.self, from: Data(text.utf8))) ?? BrokerClock()
        var changed = false
        for sample in samples where clock.observe(sample) == .changed { changed = true }
        let encoded = String(decoding: try JSONEncoder().encode(clock), as: UTF8.self)
        try connection.execute("UPDATE broker_clocks SET state = $2::jsonb, updated_at = now() WHERE server = $1", [server, encoded])
        guard changed else { return false }
        // Rows start at the epoch: every segment starting before it collapses into the last one.
        var table = clock.conversionTable(fromBroker: 0)
        if let early = table.lastIndex(where: { $0.fromBroker <= 0 }) {
            let offset = table[early].offsetSeconds
            table = [OffsetSegment(fromUTC: -offset, offsetSeconds: offset)] + table[(early + 1)...]
        }
        try connection.execute("DELETE FROM broker_offsets WHERE server = $1", [server])
        try connection.execute(
            """
            INSERT INTO broker_offsets (server, from_broker, offset_seconds)
            SELECT $1, to_timestamp(greatest(u.from_broker, 0)), u.offset_seconds
            FROM unnest($2::bigint[], $3::int[]) AS u(from_broker, offset_seconds)
            ON CONFLICT (server, from_broker) DO UPDATE SET offset_seconds = excluded.offset_seconds
            """,
            [server, table.map(\.fromBroker), table.map { Int($0.offsetSeconds) }])
        return true
    }

    /// The offset in force at broker time `column` of a row of account `a` (SQL expression).
    static func offset(_ column: String) -> String {
        """
        make_interval(secs => (SELECT b.offset_seconds FROM broker_offsets b
                               WHERE b.server = a.mt5_server AND b.from_broker <= \(column)
                               ORDER BY b.from_broker DESC LIMIT 1))
        """
    }

    /// Sets the UTC columns of the accounts' rows: every row (`all`), or the ones not yet
    /// converted (trades rebuilt by the ingest are reset to unconverted).
    static func convert(accounts: [UUID], all: Bool, connection: PostgresConnection) throws {
        guard !accounts.isEmpty else { return }
        let known = "EXISTS (SELECT 1 FROM broker_offsets b WHERE b.server = a.mt5_server)"
        try connection.execute(
            """
            UPDATE deals d SET time_utc = d.time - \(offset("d.time"))
            FROM user_mt5_accounts a
            WHERE a.id = d.account_id AND d.account_id = ANY($1::uuid[]) AND ($2 OR d.time_utc IS NULL) AND \(known)
            """,
            [accounts, all])
        try connection.execute(
            """
            UPDATE positions p SET time_utc = p.time - \(offset("p.time"))
            FROM user_mt5_accounts a
            WHERE a.id = p.account_id AND p.account_id = ANY($1::uuid[]) AND ($2 OR p.time_utc IS NULL) AND \(known)
            """,
            [accounts, all])
        try connection.execute(
            """
            UPDATE trades t SET time_utc = t.time - \(offset("t.time")),
                   time_close_utc = t.time_close - \(offset("t.time_close"))
            FROM user_mt5_accounts a
            WHERE a.id = t.account_id AND t.account_id = ANY($1::uuid[])
              AND ($2 OR t.time_utc IS NULL) AND \(known)
            """,
            [accounts, all])
    }
}
