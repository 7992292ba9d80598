import Foundation
import KlaroCore
import KlaroPostgres

/// The dashboard's SQL: two statements on one connection, each set-based over the user's
/// accounts (no query per account).
struct DashboardQuery: Sendable {
    let pool: PostgresPool
    let staleness: Staleness

    /// Curves up to this long use hourly buckets from raw snapshots; longer ones the daily
    /// rollup (`account_snapshot_days`).
    static let hourlyLimit: Double = 7 * 86_400

    /// The summary for the period the query asks (`range`, or `from`/`to`), clamped to the plan.
    func summary(userID: UUID, query: [String: String], now: Date = Date()) async throws -> DashboardSummary {
        let staleness = self.staleness
        let calendar = Self.utcCalendar
        let dayStart = calendar.startOfDay(for: now)
        let monthStart = calendar.date(from: calendar.dateComponents([.year, .month], from: now))!
        return try await pool.withConnection { connection in
            let plan = try Plan.current(for: userID, connection: connection)
            let window = try TimeWindow.parse(query, defaultRange: "30d", plan: plan, now: now)
            let rows = try connection.query(Self.accountsSQL, [userID, dayStart, monthStart])
            var accounts: [DashboardSummary.Account] = []
            accounts.reserveCapacity(rows.count)
            for row in rows {
                let status = try row.string(5)
                let createdAt = try row.date(7)
                let lastSuccess = try row.dateOrNil(9)
                let inFlight = try row.bool(10)
                let hasSnapshot = !row.isNull(12)
                accounts.append(DashboardSummary.Account(
                    id: try row.uuid(0).lowercasedString, account_name: try row.string(1), mt5_login: try row.int64(2),
                    mt5_server: try row.string(3), account_category: try row.string(4), status: status,
                    status_text: AccountView.statusText(status: status, disabledReason: row.stringOrNil(6), lastOutcome: row.stringOrNil(11), inFlight: inFlight),
                    stale: status == "active" && staleness.isStale(lastSuccessAt: lastSuccess, createdAt: createdAt, now: now),
                    sync_in_flight: inFlight, last_synced: try row.dateOrNil(8), last_success_at: lastSuccess,
                    snapshot_at: try row.dateOrNil(12), currency: hasSnapshot ? row.stringOrNil(13) : nil,
                    balance: try row.doubleOrNil(14), equity: try row.doubleOrNil(15), floating_profit: try row.doubleOrNil(16),
                    margin: try row.doubleOrNil(17), margin_level: try row.doubleOrNil(18),
                    open_positions: try row.int(19), closed_profit_today: try row.double(20), closed_profit_month: try row.double(21)
                ))
            }
            let curve = try Self.curve(connection: connection, userID: userID, window: window)
            return DashboardSummary(
                generated_at: now, plan: plan.rawValue, history_days: plan.historyDays,
                day_start: dayStart, month_start: monthStart, totals: Self.totals(accounts), accounts: accounts, curve: curve)
        }
    }

    // MARK: Accounts

    /// Latest figures from the newest daily rollup row, positions counted from the index,
    /// closed profit summed over trading deals (index-only: `deals_trading_time`).
    static let accountsSQL = """
        SELECT a.id, a.account_name, a.mt5_login, a.mt5_server, a.account_category, a.status, a.disabled_reason,
               a.created_at, sch.last_synced, a.last_success_at, sch.inflight_job_id IS NOT NULL, sch.last_outcome,
               s."timestamp", s.currency, s.balance::float8, s.equity::float8, s.profit::float8, s.margin::float8,
               s.margin_level::float8,
               (SELECT count(*) FROM positions p WHERE p.account_id = a.id),
               (SELECT COALESCE(sum(d.profit + d.commission + d.swap + d.fee), 0)::float8 FROM deals d
                 WHERE d.account_id = a.id AND d.type IN (0, 1) AND d.time >= $2),
               (SELECT COALESCE(sum(d.profit + d.commission + d.swap + d.fee), 0)::float8 FROM deals d
                 WHERE d.account_id = a.id AND d.type IN (0, 1) AND d.time >= $3)
        FROM user_mt5_accounts a
        JOIN account_schedule sch ON sch.account_id = a.id
        LEFT JOIN LATERAL (
            SELECT sd."timestamp", sd.currency, sd.balance, sd.equity, sd.profit, sd.margin, sd.margin_level
            FROM account_snapshot_days sd WHERE sd.account_id = a.id ORDER BY sd.day DESC LIMIT 1
        ) s ON true
        WHERE a.user_id = $1
        ORDER BY a.created_at, a.id
        """

    static func totals(_ accounts: [DashboardSummary.Account]) -> [DashboardSummary.Total] {
        let withFigures = accounts.filter { $0.currency != nil && $0.balance != nil }
        let groups = Dictionary(grouping: withFigures, by: { $0.currency ?? "" })
        return groups.keys.sorted().map { currency in
            let members = groups[currency]!
            func sum(_ value: (DashboardSummary.Account) -> Double?) -> Double { members.reduce(0) { $0 + (value($1) ?? 0) } }
            let equity = sum(\.equity)
            let margin = sum(\.margin)
            return DashboardSummary.Total(
                currency: currency, accounts: members.count, balance: sum(\.balance), equity: equity,
                floating_profit: sum(\.floating_profit), margin: margin, margin_level: margin > 0 ? equity / margin * 100 : nil,
                open_positions: members.reduce(0) { $0 + $1.open_positions },
                closed_profit_today: sum(\.closed_profit_today), closed_profit_month: sum(\.closed_profit_month))
        }
    }

    // MARK: Curve

    static func curve(connection: PostgresConnection, userID: UUID, window: TimeWindow) throws -> DashboardSummary.Curve {
        let hourly = window.from.map { window.to.timeIntervalSince($0) <= hourlyLimit } ?? false
        let rows: PostgresRows
        if hourly {
            rows = try connection.query(
                """
                SELECT DISTINCT ON (s.account_id, date_trunc('hour', s."timestamp"))
                       s.account_id, date_trunc('hour', s."timestamp"), s.balance::float8, s.equity::float8, s.currency
                FROM account_snapshots s JOIN user_mt5_accounts a ON a.id = s.account_id
                WHERE a.user_id = $1 AND s."timestamp" >= $2 AND s."timestamp" < $3
                ORDER BY s.account_id, date_trunc('hour', s."timestamp"), s."timestamp" DESC
                """,
                [userID, window.from, window.to]
            )
        } else {
            rows = try connection.query(
                """
                SELECT d.account_id, d.day::timestamp AT TIME ZONE 'UTC', d.balance::float8, d.equity::float8, d.currency
                FROM account_snapshot_days d JOIN user_mt5_accounts a ON a.id = d.account_id
                WHERE a.user_id = $1 AND ($2::timestamptz IS NULL OR d.day >= ($2::timestamptz AT TIME ZONE 'UTC')::date)
                  AND d.day <= ($3::timestamptz AT TIME ZONE 'UTC')::date
                ORDER BY d.account_id, d.day
                """,
                [userID, window.from, window.to]
            )
        }
        var series: [CurveAggregator.Series] = []
        var currentID: String?
        var currentCurrency = ""
        var points: [DashboardSummary.Point] = []
        for row in rows {
            // The id as text: parsing a UUID per point is the costliest part of a row.
            let id = try row.string(0)
            if id != currentID {
                if let currentID { series.append(.init(accountID: currentID, currency: currentCurrency, points: points)) }
                currentID = id
                points = []
            }
            currentCurrency = try row.string(4)
            points.append(.init(t: try row.date(1), balance: try row.double(2), equity: try row.double(3)))
        }
        if let currentID { series.append(.init(accountID: currentID, currency: currentCurrency, points: points)) }
        return DashboardSummary.Curve(
            from: window.from, to: window.to, resolution: hourly ? "hour" : "day", clamped: window.clamped,
            accounts: series.map { .init(account_id: $0.accountID, currency: $0.currency, points: $0.points) },
            totals: CurveAggregator.totals(series))
    }

    static let utcCalendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}
