import Foundation
@testable import KlaroControlPlane
import Testing

@Suite("API input validation and helpers")
struct APIUnitTests {
    static func parse(_ json: String) throws -> [String: JSONValue] {
        try #require(JSONValue.parse(Data(json.utf8)).object)
    }

    static func fields(_ body: () throws -> Void) -> [String] {
        do {
            try body()
            return []
        } catch let problem as HTTPProblem {
            return problem.fields.map(\.field)
        } catch {
            return ["unexpected \(error)"]
        }
    }

    @Test("a good new account passes, with defaults")
    func goodAccount() throws {
        let account = try AccountInput.newAccount(try Self.parse(#"{"mt5_login": 5012345, "mt5_password": "pw", "mt5_server": " Broker-Demo "}"#))
        #expect(account.login == 5_012_345)
        #expect(account.server == "Broker-Demo")
        #expect(account.category == .demo)
        #expect(account.name == "")
    }

    @Test("each bad field is named", arguments: [
        (#"{"mt5_password": "pw", "mt5_server": "S"}"#, ["mt5_login"]),
        (#"{"mt5_login": -1, "mt5_password": "pw", "mt5_server": "S"}"#, ["mt5_login"]),
        (#"{"mt5_login": 1.5, "mt5_password": "pw", "mt5_server": "S"}"#, ["mt5_login"]),
        (#"{"mt5_login": "5012345", "mt5_password": "pw", "mt5_server": "S"}"#, ["mt5_login"]),
        (#"{"mt5_login": 1, "mt5_password": "", "mt5_server": "S"}"#, ["mt5_password"]),
        (#"{"mt5_login": 1, "mt5_password": 7, "mt5_server": "S"}"#, ["mt5_password"]),
        (#"{"mt5_login": 1, "mt5_server": "S"}"#, ["mt5_password"]),
        (#"{"mt5_login": 1, "mt5_password": "a\u0000b", "mt5_server": "S"}"#, ["mt5_password"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "  "}"#, ["mt5_server"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "Broker\u202E-Demo"}"#, ["mt5_server"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "\u2066Broker\u2069"}"#, ["mt5_server"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_name": "Main\u202Blnx.exe"}"#, ["account_name"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_name": "a\u2068b"}"#, ["account_name"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_name": "tab\there"}"#, ["account_name"]),
        (#"{"mt5_login": 1, "mt5_password": "pw"}"#, ["mt5_server"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_category": "Gold"}"#, ["account_category"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "account_name": 3}"#, ["account_name"]),
        (#"{"mt5_login": 1, "mt5_password": "pw", "mt5_server": "S", "is_admin": true}"#, ["is_admin"]),
        (#"{"mt5_login": 0, "mt5_password": null, "mt5_server": 1, "account_category": "demo"}"#,
         ["mt5_login", "mt5_password", "mt5_server", "account_category"]),
    ])
    func badNewAccounts(json: String, expected: [String]) throws {
        let body = try Self.parse(json)
        #expect(Self.fields { _ = try AccountInput.newAccount(body) }.sorted() == expected.sorted())
    }

    @Test("a bad password's message never repeats it")
    func passwordNotEchoed() throws {
        let secret = String(repeating: "s3cr3t", count: 30)
        do {
            _ = try AccountInput.newAccount(try Self.parse(#"{"mt5_login": 1, "mt5_password": "\#(secret)", "mt5_server": "S"}"#))
            Issue.record("a 180-character password was accepted")
        } catch let problem as HTTPProblem {
            #expect(!problem.message.contains("s3cr3t"))
            #expect(problem.fields.allSatisfy { !$0.message.contains("s3cr3t") })
        }
    }

    @Test("changes: identity fields are read-only and an empty change is refused")
    func changes() throws {
        #expect(Self.fields { _ = try AccountInput.changes(try Self.parse(#"{"mt5_login": 2}"#)) } == ["mt5_login"])
        #expect(Self.fields { _ = try AccountInput.changes(try Self.parse(#"{"mt5_server": "X"}"#)) } == ["mt5_server"])
        #expect(Self.fields { _ = try AccountInput.changes(try Self.parse("{}")) } == ["body"])
        let changes = try AccountInput.changes(try Self.parse(#"{"account_category": "Funded", "mt5_password": "new"}"#))
        #expect(changes.category == .funded)
        #expect(changes.password == "new")
        #expect(changes.name == nil)
    }

    @Test("time windows: ranges, explicit dates, and the free plan's 30 days")
    func windows() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let week = try TimeWindow.parse(["range": "7d"], defaultRange: "30d", plan: .pro, now: now)
        #expect(week.from == now.addingTimeInterval(-7 * 86_400))
        #expect(!week.clamped)
        let all = try TimeWindow.parse(["range": "all"], defaultRange: "30d", plan: .pro, now: now)
        #expect(all.from == nil)
        let freeAll = try TimeWindow.parse(["range": "all"], defaultRange: "30d", plan: .free, now: now)
        #expect(freeAll.from == now.addingTimeInterval(-30 * 86_400))
        #expect(freeAll.clamped)
        let freeYear = try TimeWindow.parse(["from": "2020-01-01"], defaultRange: "30d", plan: .free, now: now)
        #expect(freeYear.from == now.addingTimeInterval(-30 * 86_400))
        let dates = try TimeWindow.parse(["from": "2026-01-01", "to": "2026-02-01T00:00:00Z"], defaultRange: "30d", plan: .pro, now: now)
        #expect(dates.from == Date(timeIntervalSince1970: 1_767_225_600))
        #expect(dates.to == Date(timeIntervalSince1970: 1_769_904_000))
        #expect(Self.fields { _ = try TimeWindow.parse(["range": "2w"], defaultRange: "30d", plan: .pro, now: now) } == ["range"])
        #expect(Self.fields { _ = try TimeWindow.parse(["from": "yesterday"], defaultRange: "30d", plan: .pro, now: now) } == ["from"])
        // Issue 12: every bad parameter is a 422 naming it.
        func problem(_ query: [String: String]) -> [String] {
            Self.fields { _ = try TimeWindow.parse(query, defaultRange: "30d", plan: .pro, now: now) }
        }
        #expect(problem(["from": "2026-02-01", "to": "2026-01-01"]) == ["from"], "from after to")
        #expect(problem(["from": "2026-01-01", "to": "2026-01-01"]) == ["from"], "an empty period")
        #expect(problem(["from": "2026-02-30"]) == ["from"], "a day that does not exist")
        #expect(problem(["to": "2026-02-29T10:00:00Z"]) == ["to"], "2026 is not a leap year")
        #expect(problem(["from": "2026-13-01"]) == ["from"])
        #expect(problem(["from": "2026-01-01", "range": "7d"]) == ["range"], "range with from")
        #expect(problem(["to": "2026-01-01", "range": "all"]) == ["range"], "range with to")
        #expect(problem(["to": "2999-01-01"]) == ["to"], "the far future")
        #expect(problem(["to": "2027-01-17"]) == ["to"], "two days ahead")
        #expect(problem(["from": "0001-01-01"]) == ["from"], "before 1970 (a 500 from PostgreSQL's calendar once)")
        #expect(Set(problem(["from": "1960-01-01", "to": "1969-12-31"])) == ["from", "to"])
        let leap = try TimeWindow.parse(["from": "2024-02-29", "to": "2024-03-01"], defaultRange: "30d", plan: .pro, now: now)
        #expect(leap.from == Date(timeIntervalSince1970: 1_709_164_800))
        let tomorrow = try TimeWindow.parse(["to": "2027-01-16"], defaultRange: "30d", plan: .pro, now: now)
        #expect(tomorrow.to == Date(timeIntervalSince1970: 1_800_057_600), "the end of today is allowed")
    }

    @Test("curve totals carry each account's last value forward")
    func curveTotals() {
        let t = { (hours: Double) in Date(timeIntervalSince1970: 1_800_000_000 + hours * 3600) }
        let a = CurveAggregator.Series(accountID: UUID().uuidString, currency: "USD", points: [
            .init(t: t(0), balance: 100, equity: 110), .init(t: t(2), balance: 120, equity: 125),
        ])
        let b = CurveAggregator.Series(accountID: UUID().uuidString, currency: "USD", points: [.init(t: t(1), balance: 50, equity: 40)])
        let c = CurveAggregator.Series(accountID: UUID().uuidString, currency: "EUR", points: [.init(t: t(1), balance: 7, equity: 8)])
        let totals = CurveAggregator.totals([a, b, c])
        #expect(totals.map(\.currency) == ["EUR", "USD"])
        #expect(totals[0].points == [.init(t: t(1), balance: 7, equity: 8)])
        #expect(totals[1].points == [
            .init(t: t(0), balance: 100, equity: 110), .init(t: t(1), balance: 150, equity: 150), .init(t: t(2), balance: 170, equity: 165),
        ])
    }

    @Test("auth failure limiter: a burst, then 429 until it refills")
    func limiter() {
        let limiter = AuthFailureLimiter(burst: 3, refillPerSecond: 1)
        #expect(limiter.retryAfter("a", now: 0) == nil)
        for _ in 0..<3 { limiter.recordFailure("a", now: 0) }
        #expect(limiter.retryAfter("a", now: 0).map { $0 > 0.99 && $0 <= 1 } == true)
        #expect(limiter.retryAfter("b", now: 0) == nil)
        #expect(limiter.retryAfter("a", now: 1.0) == nil)
    }
}
