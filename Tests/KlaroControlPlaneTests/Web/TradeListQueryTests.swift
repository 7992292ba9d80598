import Foundation
import HTTPTypes
@testable import KlaroControlPlane
import Testing

@Suite("GET /api/trades parameters")
struct TradeListQueryTests {
    @Test("defaults: newest closed first, 50 a page")
    func defaults() throws {
        let query = try TradeListQuery.parse([:])
        #expect(query == TradeListQuery())
        #expect(query.orderBy.hasPrefix("t.time_close DESC"))
        #expect(query.offset == 0)
    }

    @Test("sort, page and size are read; a - sorts descending")
    func parsed() throws {
        let id = UUID()
        let query = try TradeListQuery.parse(["account_id": id.uuidString, "page": "3", "per_page": "20", "sort": "net_profit"])
        #expect(query.accountID == id)
        #expect(query.offset == 40)
        #expect(!query.descending)
        #expect(query.orderBy.hasPrefix("(t.profit + t.swap + t.commission + t.fee) ASC"))
        #expect(try TradeListQuery.parse(["sort": "-symbol"]).orderBy.hasPrefix("t.symbol DESC"))
    }

    @Test("every bad parameter is named in one 422; nothing reaches the SQL")
    func invalid() {
        do {
            _ = try TradeListQuery.parse(["account_id": "x", "page": "0", "per_page": "500", "sort": "profit; DROP TABLE trades"])
            Issue.record("expected a 422")
        } catch let problem as HTTPProblem {
            #expect(problem.status == .unprocessableContent)
            #expect(Set(problem.fields.map(\.field)) == ["account_id", "page", "per_page", "sort"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
