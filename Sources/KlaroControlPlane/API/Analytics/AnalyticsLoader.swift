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
        /// The whole deal history is stored (``HistoryCompleteness``).
        let historyComplete: Bool
    }

    struct Loaded: Sendable {
        let scope: AnalyticsScope
        /// One input per account in scope, in the scope's order.
        let inputs: [AnalyticsInput]
        let range: AnalyticsRange
        /// One balance curve per account over the history the plan shows (nil for the
        /// trades-only endpoints, which do not load it).
        let curves: [BalanceCurve]?

        /// How days are cut: the zone asked with `tz=`, else the broker's learned offsets.
        let timeZone: TimeZone
        let dayOffsets: [OffsetSegment]?
        /// Digits and point of the symbols the accounts' servers reported.
        let symbols: [String: SymbolSpec]

        /// The trades of every account in scope.
        var trades: [Trade] { inputs.flatMap(\.trades) }

        /// One input for all accounts in scope (``AnalyticsLoader/combine(_:range:)``); costs a
        /// report per account when there are several, so only the endpoints that need
        /// balances and equity ask for it.
        func combined() -> AnalyticsInput { AnalyticsLoader.combine(inputs, range: range) }

        /// The report of all accounts in scope, with the rebuilt balance curve's summary.
        func report() -> AnalyticsReport {
            var report = AccountAnalytics.report(combined())
            report.sinceInception = sinceInception()
            return report
        }

        /// The balance curve of all accounts in scope, rebuilt from their deals.
        func sinceInception() -> BalanceCurveSummary? {
            guard let curves else { return nil }
            return BalanceCurveSummary(BalanceCurve(merging: curves), historyComplete: scope.history_complete)
        }
    }

    let pool: PostgresPool

    /// Resolves the scope (`account_id`, `currency`, `range`/`from`/`to`) for the user and
    /// loads it. Another user's account is 404; several currencies without `currency`, or a
    /// currency none of the accounts holds, is 422.
    ///
    /// With the whole history stored, every trade and balance operation the plan shows is
    /// loaded up to `to`: the starting balance of the window is the sum of the events before
    /// it (`deal_history`), and the curve since inception is rebuilt from them. With
    /// `tradesOnly`, only the window's trades are read (the inputs hold trades alone).
    func load(userID: UUID, query: [String: String], tradesOnly: Bool = false, now: Date = Date()) async throws -> Loaded {
        try await pool.withConnection { connection in
            let plan = try Plan.current(for: userID, connection: connection)
            let window = try TimeWindow.parse(query, defaultRange: "30d", plan: plan, now: now)
            let accounts = try Self.accounts(connection, userID: userID, query: query)
            let zone = try Self.timeZone(query)
            let dayOffsets = zone == nil ? try Self.brokerOffsets(connection, account: accounts.first?.id) : nil
            let symbols = try Self.symbols(connection, ids: accounts.map(\.id))
            let ids = accounts.map(\.id)
            let from = window.from ?? Date(timeIntervalSince1970: 0)
            let days = window.to.timeIntervalSince(from) / 86_400
            let daily = days * Double(max(1, ids.count)) > Self.snapshotAccountDays
            let range = AnalyticsRange(from: Int64(from.timeIntervalSince1970.rounded(.down)), to: Int64(window.to.timeIntervalSince1970.rounded(.up)))
            // The history shown starts where the plan lets it (free: 30 days), else at the beginning.
            let historyStart = plan.historyStart(now: now) ?? Date(timeIntervalSince1970: 0)
            let loadFrom = tradesOnly ? from : historyStart
            let trades = try Self.trades(connection, ids: ids, from: from, to: window.to)
            // Before the window only each trade's result and close matter (for the curve).
            let earlier = tradesOnly || loadFrom >= from ? [:] : try Self.results(connection, ids: ids, from: loadFrom, to: from)
            var flows: [UUID: [CashFlow]] = [:]
            var snapshots: [UUID: [EquitySnapshot]] = [:]
            var openings: [UUID: Double] = [:]
            if !tradesOnly {
                flows = try Self.cashFlows(connection, ids: ids, from: loadFrom, to: window.to)
                snapshots = daily
                    ? try Self.dailySnapshots(connection, ids: ids, from: from, to: window.to)
                    : try Self.snapshots(connection, ids: ids, from: from, to: window.to)
                if historyStart.timeIntervalSince1970 > 0 {
                    openings = try Self.balances(connection, ids: ids, before: historyStart)
                }
            }
            var inputs: [AnalyticsInput] = []
            var curves: [BalanceCurve] = []
            let windowStart = range.from ?? .min
            for account in accounts {
                let history = (trades: (earlier[account.id] ?? []) + (trades[account.id] ?? []), flows: flows[account.id] ?? [])
                // The window's records for the report; the whole history only for the curve.
                var input = AnalyticsInput(
                    trades: trades[account.id] ?? [],
                    cashFlows: history.flows.filter { $0.time >= windowStart },
                    snapshots: snapshots[account.id] ?? [], range: range, timeZone: zone ?? .gmt)
                input.dayOffsets = dayOffsets
                input.symbols = symbols
                if !tradesOnly {
                    let curve = BalanceCurve(
                        openingBalance: openings[account.id] ?? 0, trades: history.trades, cashFlows: history.flows)
                    curves.append(curve)
                    if account.historyComplete {
                        input.startingBalance = curve.balance(before: range.from ?? 0)
                        input.startingBalanceSource = .dealHistory
                    }
                }
                inputs.append(input)
            }
            let scope = AnalyticsScope(
                account_ids: ids.map(\.lowercasedString), currency: accounts.first?.currency ?? "",
                from: window.from, to: window.to, clamped: window.clamped, plan: plan.rawValue,
                equity_resolution: daily ? "daily" : "snapshot",
                history_complete: accounts.allSatisfy(\.historyComplete),
                time_zone: zone?.identifier ?? "broker", broker_offset_known: dayOffsets.map { !$0.isEmpty } ?? true)
            return Loaded(
                scope: scope, inputs: inputs, range: range, curves: tradesOnly ? nil : curves,
                timeZone: zone ?? .gmt, dayOffsets: dayOffsets, symbols: symbols)
        }
    }

    /// One input for several accounts: trades and cash flows together, snapshots summed with
    /// each account's last value carried forward, and the starting balances added up (with
    /// the source they share, else the weakest one's).
    static func combine(_ inputs: [AnalyticsInput], range: AnalyticsRange) -> AnalyticsInput {
        guard inputs.count != 1 else { return inputs[0] }
        // Given starting balances (from the deal history) add up as they are; otherwise each
        // account's report infers its own.
        let given = inputs.compactMap(\.startingBalance)
        let reports = given.count == inputs.count ? [] : inputs.map { AccountAnalytics.report($0) }
        let startingBalance = reports.isEmpty ? MoneySum(given).value : reports.reduce(0.0) { $0 + $1.startingBalance }
        let sources = reports.isEmpty ? Set(inputs.map(\.startingBalanceSource)) : Set(reports.map(\.startingBalanceSource))
        let source: StartingBalanceSource = sources.count == 1 ? sources.first! : .firstSnapshot
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
        var combined = AnalyticsInput(
            trades: inputs.flatMap(\.trades), cashFlows: inputs.flatMap(\.cashFlows), snapshots: summed, range: range,
            timeZone: inputs.first?.timeZone ?? .gmt,
            startingBalance: startingBalance, startingBalanceSource: source == .assumedZero ? .firstSnapshot : source)
        combined.dayOffsets = inputs.first?.dayOffsets
        combined.symbols = inputs.first?.symbols ?? [:]
        return combined
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
                                   ORDER BY d.day DESC LIMIT 1), ''), a.history_complete
            FROM user_mt5_accounts a
            WHERE a.user_id = $1 AND ($2::uuid IS NULL OR a.id = $2)
            ORDER BY a.created_at, a.id
            """,
            [userID, accountID]
        )
        let all = try rows.map { Account(id: try $0.uuid(0), currency: try $0.string(1), historyComplete: try $0.bool(2)) }
        if accountID != nil, all.isEmpty { throw HTTPProblem.notFound("account") }
        if let currency = query["currency"] {
            let held = all.filter { $0.currency == currency }
            if held.isEmpty {
                let currencies = Set(all.map(\.currency).filter { !$0.isEmpty }).sorted()
                throw HTTPProblem.invalid([.init(
                    field: "currency",
                    message: currencies.isEmpty
                        ? "none of your accounts has synced a currency yet"
                        : "none of your accounts is in this currency; yours: \(currencies.joined(separator: ", "))")])
            }
            return held
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
                   floor(extract(epoch FROM COALESCE(time_utc, time)))::bigint,
                   floor(extract(epoch FROM COALESCE(time_close_utc, time_close)))::bigint,
                   closed_volume::float8, deal_count,
                   CASE WHEN time_msc = 0 THEN NULL
                        ELSE time_msc - COALESCE(extract(epoch FROM time - time_utc)::bigint * 1000, 0) END,
                   CASE WHEN COALESCE(time_close_msc, 0) = 0 THEN NULL
                        ELSE time_close_msc - COALESCE(extract(epoch FROM time_close - time_close_utc)::bigint * 1000, 0) END
            FROM trades
            WHERE account_id = ANY($1::uuid[]) AND is_closed
              AND COALESCE(time_close_utc, time_close) >= $2 AND COALESCE(time_close_utc, time_close) < $3
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
                time: time, timeMsc: try row.intOrNil(17).map(Int64.init) ?? time * 1000, timeClose: close,
                timeCloseMsc: try row.intOrNil(18).map(Int64.init) ?? close * 1000,
                isClosed: true, closedVolume: try row.double(15), dealCount: try row.int(16))
            trades[ids[try row.int(0) - 1], default: []].append(trade)
        }
        return trades
    }

    /// Closed trades reduced to what the balance curve reads: result and close time.
    private static func results(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [Trade]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), floor(extract(epoch FROM COALESCE(time_close_utc, time_close)))::bigint,
                   (profit + swap + commission + fee)::float8,
                   CASE WHEN COALESCE(time_close_msc, 0) = 0 THEN NULL
                        ELSE time_close_msc - COALESCE(extract(epoch FROM time_close - time_close_utc)::bigint * 1000, 0) END
            FROM trades
            WHERE account_id = ANY($1::uuid[]) AND is_closed
              AND COALESCE(time_close_utc, time_close) >= $2 AND COALESCE(time_close_utc, time_close) < $3
            """,
            [ids, from, to]
        )
        var trades: [UUID: [Trade]] = [:]
        for row in rows {
            let close = try row.int64(1)
            let msc = try row.intOrNil(3).map(Int64.init) ?? close * 1000
            let trade = Trade(
                positionID: 0, symbol: "", type: .buy, volume: 0, priceOpen: 0, priceClose: 0, profit: try row.double(2),
                swap: 0, commission: 0, fee: 0, magic: 0, comment: "", time: close, timeMsc: msc, timeClose: close,
                timeCloseMsc: msc, isClosed: true, closedVolume: 0, dealCount: 0)
            trades[ids[try row.int(0) - 1], default: []].append(trade)
        }
        return trades
    }

    private static func cashFlows(_ connection: PostgresConnection, ids: [UUID], from: Date, to: Date) throws -> [UUID: [CashFlow]] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), type, (profit + commission + swap + fee)::float8,
                   floor(extract(epoch FROM COALESCE(time_utc, time)))::bigint,
                   CASE WHEN time_msc = 0 THEN 0
                        ELSE time_msc - COALESCE(extract(epoch FROM time - time_utc)::bigint * 1000, 0) END
            FROM deals
            WHERE account_id = ANY($1::uuid[]) AND type NOT IN (0, 1)
              AND COALESCE(time_utc, time) >= $2 AND COALESCE(time_utc, time) < $3
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

    /// Each account's balance just before `time`: its closed trades' results and its
    /// balance-moving operations (every non-trading deal but credit) until then, summed in
    /// `numeric`.
    private static func balances(_ connection: PostgresConnection, ids: [UUID], before time: Date) throws -> [UUID: Double] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT array_position($1::uuid[], account_id), sum(amount)::float8 FROM (
                SELECT account_id, profit + swap + commission + fee AS amount FROM trades
                WHERE account_id = ANY($1::uuid[]) AND is_closed AND COALESCE(time_close_utc, time_close) < $2
                UNION ALL
                SELECT account_id, profit + commission + swap + fee FROM deals
                WHERE account_id = ANY($1::uuid[]) AND type NOT IN (0, 1, 3, 13, 14) AND COALESCE(time_utc, time) < $2
            ) events GROUP BY account_id
            """,
            [ids, time])
        var balances: [UUID: Double] = [:]
        for row in rows { balances[ids[try row.int(0) - 1]] = try row.double(1) }
        return balances
    }

    /// `tz=`: an IANA zone for days, hours and months; nil (absent) for the broker's own days.
    static func timeZone(_ query: [String: String]) throws -> TimeZone? {
        guard let name = query["tz"] else { return nil }
        // Names only (no path tricks reach tzdata's files): letters, digits, `_+-/`, no `..`.
        let safe = name.count <= 64 && !name.contains("..")
            && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-/".contains($0)) }
        guard safe, let zone = TimeZone(identifier: name) else {
            throw HTTPProblem.invalid([.init(field: "tz", message: "must be an IANA time zone such as Europe/London or UTC")])
        }
        return zone
    }

    /// The learned UTC offsets of an account's broker server, as day boundaries (nil
    /// without an account; empty while the offset is unknown, so days are cut at 00:00 of the
    /// stored times, which are then broker times).
    private static func brokerOffsets(_ connection: PostgresConnection, account: UUID?) throws -> [OffsetSegment]? {
        guard let account else { return nil }
        let rows = try connection.query(
            """
            SELECT floor(extract(epoch FROM b.from_broker))::bigint, b.offset_seconds
            FROM broker_offsets b JOIN user_mt5_accounts a ON a.mt5_server = b.server
            WHERE a.id = $1 ORDER BY b.from_broker
            """,
            [account])
        return try rows.map {
            let offset = Int64(try $0.int(1))
            return OffsetSegment(fromUTC: try $0.int64(0) - offset, offsetSeconds: offset)
        }
    }

    /// Digits and point of every symbol the accounts' servers reported.
    private static func symbols(_ connection: PostgresConnection, ids: [UUID]) throws -> [String: SymbolSpec] {
        guard !ids.isEmpty else { return [:] }
        let rows = try connection.query(
            """
            SELECT DISTINCT ON (s.symbol) s.symbol, s.digits, s.point::float8
            FROM broker_symbols s JOIN user_mt5_accounts a ON a.mt5_server = s.server
            WHERE a.id = ANY($1::uuid[]) ORDER BY s.symbol, s.updated_at DESC
            """,
            [ids])
        var symbols: [String: SymbolSpec] = [:]
        for row in rows {
            let spec = SymbolSpec(symbol: try row.string(0), digits: try row.int(1), point: try row.double(2))
            symbols[spec.symbol] = spec
        }
        return symbols
    }

    /// Every snapshot (real UTC, like the converted deal times).
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
        // A day's points are stamped at its last sync, which can lie after `to` (or its start
        // before `from`): keep them inside the window, or the window would lose the account.
        let lower = Int64(from.timeIntervalSince1970.rounded(.up)) + 2
        let upper = Int64(to.timeIntervalSince1970.rounded(.up)) - 1
        var snapshots: [UUID: [EquitySnapshot]] = [:]
        for row in rows {
            let close = min(upper, max(lower, try row.int64(2), try row.int64(1) + 2))
            guard close >= lower else { continue }
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
