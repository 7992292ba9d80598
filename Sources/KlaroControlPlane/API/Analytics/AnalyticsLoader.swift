import Foundation
import KlaroCore
import KlaroPostgres

/// Loads what `AccountAnalytics` needs from PostgreSQL: set-based queries over all the
/// accounts in scope (closed trades by close time, non-trading deals, snapshots), then
/// builds one input per account; the endpoints that need it combine them across accounts.
struct AnalyticsLoader: Sendable {
    /// Equity comes from every snapshot while accounts × days stays within this budget (one
    /// account for a month, ten for three days); beyond, from the daily rollup, which keeps
    /// a year across ten accounts to a few thousand rows instead of 350,000.
    static let snapshotAccountDays = 31.0

    struct Account: Sendable {
        let id: UUID
        let currency: String
    }

    struct Loaded: Sendable {
        let scope: AnalyticsScope
        /// One input per account in scope, in the scope's order.
        let inputs: [AnalyticsInput]
        let range: AnalyticsRange

        /// The trades of every account in scope.
        var trades: [Trade] { inputs.flatMap(\.trades) }

        /// One input for all accounts in scope (``AnalyticsLoader/combine(_:range:)``); costs a
        /// report per account when there are several, so only the endpoints that need
        /// balances and equity ask for it.
        func combined() -> AnalyticsInput { AnalyticsLoader.combine(inputs, range: range) }
    }

    let pool: PostgresPool

    /// Resolves the scope (`account_id`, `currency`, `range`/`from`/`to`) for the user and
    /// loads it. Another user's account is 404; several currencies without `currency` is 422.
    /// With `tradesOnly`, cash flows and snapshots are not read (the inputs hold trades alone).
    func load(userID: UUID, query: [String: String], tradesOnly: Bool = false, now: Date = Date()) async throws -> Loaded {
        try await pool.withConnection { connection in
            let plan = try Plan.current(for: userID, connection: connection)
            let window = try TimeWindow.parse(query, defaultRange: "30d", plan: plan, now: now)
            let accounts = try Self.accounts(connection, userID: userID, query: query)
            let ids = accounts.map(\.id)
            let from = window.from ?? Date(timeIntervalSince1970: 0)
            let days = window.to.timeIntervalSince(from) / 86_400
            let daily = days * Double(max(1, ids.count)) > Self.snapshotAccountDays
            let trades = try Self.trades(connection, ids: ids, from: from, to: window.to)
            var flows: [UUID: [CashFlow]] = [:]
            var snapshots: [UUID: [EquitySnapshot]] = [:]
            if !tradesOnly {
                flows = try Self.cashFlows(connection, ids: ids, from: from, to: window.to)
                snapshots = daily
                    ? try Self.dailySnapshots(connection, ids: ids, from: from, to: window.to)
                    : try Self.snapshots(connection, ids: ids, from: from, to: window.to)
            }
            let range = AnalyticsRange(from: Int64(from.timeIntervalSince1970.rounded(.down)), to: Int64(window.to.timeIntervalSince1970.rounded(.up)))
            let inputs = ids.map { id in
                AnalyticsInput(trades: trades[id] ?? [], cashFlows: flows[id] ?? [], snapshots: snapshots[id] ?? [], range: range)
            }
            let scope = AnalyticsScope(
                account_ids: ids.map(\.lowercasedString), currency: accounts.first?.currency ?? "",
                from: window.from, to: window.to, clamped: window.clamped, plan: plan.rawValue,
                equity_resolution: daily ? "daily" : "snapshot")
            return Loaded(scope: scope, inputs: inputs, range: range)
        }
    }

    /// One input for several accounts: trades and cash flows together, snapshots summed with
    /// each account's last value carried forward, and the starting balances added up.
    static func combine(_ inputs: [AnalyticsInput], range: AnalyticsRange) -> AnalyticsInput {
        guard inputs.count != 1 else { return inputs[0] }
        let startingBalance = inputs.reduce(0.0) { $0 + AccountAnalytics.report($1).startingBalance }
        let series = inputs.map { input in
            CurveAggregator.Series(
                accountID: "", currency: "",
                points: input.snapshots.sorted { $0.time < $1.time }.map {
                    .init(t: Date(timeIntervalSince1970: Double($0.time)), balance: $0.balance, equity: $0.equity)
                })
        }
        let summed = CurveAggregator.totals(series).first?.points.map {
            EquitySnapshot(time: Int64($0.t.timeIntervalSince1970), balance: $0.balance, equity: $0.equity)
        } ?? []
        return AnalyticsInput(
            trades: inputs.flatMap(\.trades), cashFlows: inputs.flatMap(\.cashFlows), snapshots: summed, range: range,
            startingBalance: startingBalance)
    }

    // MARK: Queries

    // Large results name the account by its position in `ids` (`array_position`), not by
    // its UUID: parsing a UUID per row costs more than the rest of the row.

    private static func accounts(_ connection: PostgresConnection, userID: UUID, query: [String: String]) throws -> [Account] {
        var accountID: UUID?
        if let text = query["account_id"] {
            guard let id = UUID(uuidString: text) else { throw HTTPProblem.notFound("account") }
            accountID = id
        }
        let rows = try connection.query(
            """
            SELECT a.id, COALESCE((SELECT d.currency FROM account_snapshot_days d WHERE d.account_id = a.id
                                   ORDER BY d.day DESC LIMIT 1), '')
            FROM user_mt5_accounts a
            WHERE a.user_id = $1 AND ($2::uuid IS NULL OR a.id = $2)
            ORDER BY a.created_at, a.id
            """,
            [userID, accountID]
        )
        let all = try rows.map { Account(id: try $0.uuid(0), currency: try $0.string(1)) }
        if accountID != nil, all.isEmpty { throw HTTPProblem.notFound("account") }
        if let currency = query["currency"] {
            return all.filter { $0.currency == currency }
        }
        let currencies = Set(all.map(\.currency).filter { !$0.isEmpty })
        if currencies.count > 1 {
            throw HTTPProblem.invalid([.init(
                field: "currency",
                message: "your accounts are in \(currencies.sorted().joined(separator: ", ")); pick one with currency= or an account with account_id=")])
        }
        return all
    }

    private static func trades(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [Trade]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), ticket, symbol, type, volume::float8, price_open::float8, COALESCE(price_close, 0)::float8,
                   profit::float8, swap::float8, commission::float8, fee::float8, magic, comment,
                   floor(extract(epoch FROM time))::bigint, floor(extract(epoch FROM time_close))::bigint,
                   closed_volume::float8, deal_count
            FROM trades
            WHERE account_id = ANY($1::uuid[]) AND is_closed AND time_close >= $2 AND time_close < $3
            """,
            [ids, from, to]
        )
        var trades: [UUID: [Trade]] = [:]
        for row in rows {
            let time = try row.int64(13)
            let close = try row.int64(14)
            let trade = Trade(
                positionID: try row.int64(1), symbol: try row.string(2),
                type: try row.string(3) == "SELL" ? .sell : .buy, volume: try row.double(4),
                priceOpen: try row.double(5), priceClose: try row.double(6), profit: try row.double(7), swap: try row.double(8),
                commission: try row.double(9), fee: try row.double(10), magic: try row.int64(11), comment: try row.string(12),
                time: time, timeMsc: time * 1000, timeClose: close, timeCloseMsc: close * 1000,
                isClosed: true, closedVolume: try row.double(15), dealCount: try row.int(16))
            trades[ids[try row.int(0) - 1], default: []].append(trade)
        }
        return trades
    }

    private static func cashFlows(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [CashFlow]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), type, (profit + commission + swap + fee)::float8, floor(extract(epoch FROM time))::bigint, time_msc
            FROM deals
            WHERE account_id = ANY($1::uuid[]) AND type NOT IN (0, 1) AND time >= $2 AND time < $3
            """,
            [ids, from, to]
        )
        var flows: [UUID: [CashFlow]] = [:]
        for row in rows {
            let amount = try row.double(2)
            guard let kind = CashFlowKind(dealType: DealType(rawValue: try row.int(1)), amount: amount) else { continue }
            let msc = try row.int64(4)
            let flow = CashFlow(time: try row.int64(3), timeMsc: msc != 0 ? msc : nil, amount: amount, kind: kind)
            flows[ids[try row.int(0) - 1], default: []].append(flow)
        }
        return flows
    }

    /// Every snapshot; their real-UTC timestamps are used as broker time (offset 0).
    private static func snapshots(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [EquitySnapshot]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), floor(extract(epoch FROM "timestamp"))::bigint, balance::float8, equity::float8
            FROM account_snapshots
            WHERE account_id = ANY($1::uuid[]) AND "timestamp" >= $2 AND "timestamp" < $3
            """,
            [ids, from, to]
        )
        var snapshots: [UUID: [EquitySnapshot]] = [:]
        for row in rows {
            snapshots[ids[try row.int(0) - 1], default: []].append(
                EquitySnapshot(time: try row.int64(1), balance: try row.double(2), equity: try row.double(3)))
        }
        return snapshots
    }

    /// Three points a day from the rollup, at the day's last sync: the day's highest equity,
    /// then its lowest, then its close, so drawdowns are measured on the day's extremes (peak
    /// before trough: the cautious reading). The balance is the day's closing balance.
    private static func dailySnapshots(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [EquitySnapshot]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), floor(extract(epoch FROM day::timestamp AT TIME ZONE 'UTC'))::bigint,
                   floor(extract(epoch FROM "timestamp"))::bigint, balance::float8, equity::float8,
                   equity_min::float8, equity_max::float8
            FROM account_snapshot_days
            WHERE account_id = ANY($1::uuid[]) AND day >= ($2::timestamptz AT TIME ZONE 'UTC')::date
              AND day <= ($3::timestamptz AT TIME ZONE 'UTC')::date
            """,
            [ids, from, to]
        )
        var snapshots: [UUID: [EquitySnapshot]] = [:]
        for row in rows {
            let close = max(try row.int64(2), try row.int64(1) + 2)
            let balance = try row.double(3)
            snapshots[ids[try row.int(0) - 1], default: []].append(contentsOf: [
                EquitySnapshot(time: close - 2, balance: balance, equity: try row.double(6)),
                EquitySnapshot(time: close - 1, balance: balance, equity: try row.double(5)),
                EquitySnapshot(time: close, balance: balance, equity: try row.double(4)),
            ])
        }
        return snapshots
    }
}
