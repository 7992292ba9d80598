import Foundation

/// The parameters of `GET /api/trades`: which account (or all), the period, the page and the order.
struct TradeListQuery: Sendable, Equatable {
    /// Columns a trader may sort by, and the SQL expression each sorts on.
    static let sortColumns: [String: String] = [
        "time_close": "t.time_close", "time": "t.time", "net_profit": "(t.profit + t.swap + t.commission + t.fee)",
        "symbol": "t.symbol", "volume": "t.volume",
    ]
    static let maxPerPage = 200

    var accountID: UUID?
    var page = 1
    var perPage = 50
    /// A key of ``sortColumns``.
    var sort = "time_close"
    var descending = true

    /// Reads `account_id`, `page`, `per_page` and `sort` (`-` before a column sorts descending); 422 names each bad one.
    static func parse(_ query: [String: String]) throws -> TradeListQuery {
        var result = TradeListQuery()
        var errors: [HTTPProblem.FieldError] = []
        if let text = query["account_id"] {
            if let id = UUID(uuidString: text) { result.accountID = id } else {
                errors.append(.init(field: "account_id", message: "must be an account id (a UUID)"))
            }
        }
        if let text = query["page"] {
            if let page = Int(text), page >= 1, page <= 1_000_000 { result.page = page } else {
                errors.append(.init(field: "page", message: "must be a whole number from 1"))
            }
        }
        if let text = query["per_page"] {
            if let size = Int(text), (1...maxPerPage).contains(size) { result.perPage = size } else {
                errors.append(.init(field: "per_page", message: "must be a whole number from 1 to \(maxPerPage)"))
            }
        }
        if let text = query["sort"] {
            let descending = text.hasPrefix("-")
            let column = descending ? String(text.dropFirst()) : text
            if sortColumns[column] != nil {
                result.sort = column
                result.descending = descending
            } else {
                errors.append(.init(field: "sort", message: "must be one of \(sortColumns.keys.sorted().joined(separator: ", ")), with - before it for descending"))
            }
        }
        guard errors.isEmpty else { throw HTTPProblem.invalid(errors) }
        return result
    }

    /// The ORDER BY clause (ticket breaks ties, so pages never overlap).
    var orderBy: String {
        let direction = descending ? "DESC NULLS LAST" : "ASC NULLS FIRST"
        return "\(Self.sortColumns[sort]!) \(direction), t.account_id, t.ticket \(descending ? "DESC" : "ASC")"
    }

    var offset: Int { (page - 1) * perPage }
}
