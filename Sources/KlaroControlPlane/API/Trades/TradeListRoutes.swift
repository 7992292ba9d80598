import Foundation
import Hummingbird
import KlaroPostgres

/// `GET /api/trades`: the caller's closed trades in a period, a page at a time, sorted.
struct TradeListRoutes: Sendable {
    let pool: PostgresPool

    struct Trade: Encodable, Sendable {
        let account_id: String
        let ticket: Int64
        let symbol: String
        let type: String
        let volume: Double
        let price_open: Double
        let price_close: Double?
        let profit: Double
        let swap: Double
        let commission: Double
        let fee: Double
        let net_profit: Double
        let magic: Int64
        let time: Date
        let time_close: Date?
    }

    struct Page: Encodable, Sendable {
        let trades: [Trade]
        let page: Int
        let per_page: Int
        let total: Int
        let sort: String
        let clamped: Bool
    }

    func register(on api: RouterGroup<KlaroRequestContext>) {
        let pool = self.pool
        api.get("trades") { request, context in
            let user = try context.requireUser()
            let query = request.queryDictionary
            let list = try TradeListQuery.parse(query)
            let page = try await pool.withConnection { connection in
                let plan = try Plan.current(for: user, connection: connection)
                let window = try TimeWindow.parse(query, defaultRange: "all", plan: plan)
                if let account = list.accountID {
                    let owned = try connection.query("SELECT 1 FROM user_mt5_accounts WHERE id = $1 AND user_id = $2", [account, user])
                    if owned.isEmpty { throw HTTPProblem.notFound("account") }
                }
                let filter = """
                    FROM trades t JOIN user_mt5_accounts a ON a.id = t.account_id
                    WHERE a.user_id = $1 AND ($2::uuid IS NULL OR t.account_id = $2) AND t.is_closed
                      AND ($3::timestamptz IS NULL OR t.time_close >= $3) AND t.time_close < $4
                    """
                let parameters: [any PostgresBindable] = [user, list.accountID, window.from, window.to]
                let total = try connection.query("SELECT count(*) \(filter)", parameters)[0].int(0)
                let rows = try connection.query("""
                    SELECT t.account_id, t.ticket, t.symbol, t.type, t.volume::float8, t.price_open::float8, t.price_close::float8,
                           t.profit::float8, t.swap::float8, t.commission::float8, t.fee::float8, t.magic, t.time, t.time_close
                    \(filter)
                    ORDER BY \(list.orderBy) LIMIT $5 OFFSET $6
                    """, parameters + [list.perPage, list.offset])
                let trades = try rows.map { row in
                    let profit = try row.double(7), swap = try row.double(8), commission = try row.double(9), fee = try row.double(10)
                    return Trade(
                        account_id: try row.uuid(0).lowercasedString, ticket: try row.int64(1), symbol: try row.string(2), type: try row.string(3),
                        volume: try row.double(4), price_open: try row.double(5), price_close: try row.doubleOrNil(6), profit: profit, swap: swap,
                        commission: commission, fee: fee, net_profit: profit + swap + commission + fee, magic: try row.int64(11),
                        time: try row.date(12), time_close: try row.dateOrNil(13))
                }
                return Page(trades: trades, page: list.page, per_page: list.perPage, total: total,
                            sort: (list.descending ? "-" : "") + list.sort, clamped: window.clamped)
            }
            return JSONResponse(page)
        }
    }
}
