import Foundation
import Hummingbird

/// The period a history or analytics request covers: `range` (`1d`, `7d`, `30d`, `90d`,
/// `1y`, `all`, ending now) or `from`/`to` (ISO 8601 date or date-time; `to` excluded,
/// default now), never both, clamped to what the plan allows.
///
/// Every problem is a 422 naming the parameter: an unknown `range`, `range` with `from` or
/// `to`, a date that does not exist (`2026-02-30`), `from` not before `to`, and a `to` later
/// than ``futureLeeway`` after now (a `to` of tomorrow's date, the end of today, is fine), and
/// a date before ``earliest`` (1970: nothing in MT5 is older, and day arithmetic on year 1
/// leaves PostgreSQL's calendar).
struct TimeWindow: Sendable, Equatable {
    let from: Date?
    let to: Date
    /// True when the plan cut the start of the asked period.
    let clamped: Bool

    static let ranges: [String: Double] = ["1d": 1, "7d": 7, "30d": 30, "90d": 90, "1y": 365]
    /// How far past now `to` may lie: one day, so a date-only `to` ending today in any zone passes.
    static let futureLeeway: TimeInterval = 86_400
    /// The earliest `from` or `to` accepted: the Unix epoch.
    static let earliest = Date(timeIntervalSince1970: 0)

    /// Reads the query; problems are 422 naming the parameter.
    static func parse(_ query: [String: String], defaultRange: String, plan: Plan, now: Date = Date()) throws -> TimeWindow {
        var errors: [HTTPProblem.FieldError] = []
        var from: Date?
        var to = now
        let range = query["range"]
        if let range {
            if range != "all", ranges[range] == nil {
                errors.append(.init(field: "range", message: "must be one of 1d, 7d, 30d, 90d, 1y, all"))
            } else if query["from"] != nil || query["to"] != nil {
                errors.append(.init(field: "range", message: "give either range or from/to, not both"))
            }
        }
        if let text = query["to"] {
            if let date = parseDate(text) {
                to = date
                if date > now.addingTimeInterval(futureLeeway) {
                    errors.append(.init(field: "to", message: "must not be later than tomorrow (it is in the future)"))
                } else if date < earliest {
                    errors.append(.init(field: "to", message: "must not be before 1970-01-01"))
                }
            } else {
                errors.append(.init(field: "to", message: "must be a real ISO 8601 date (2026-01-31) or date-time"))
            }
        }
        if let text = query["from"] {
            if let date = parseDate(text) {
                from = date
                if date < earliest {
                    errors.append(.init(field: "from", message: "must not be before 1970-01-01"))
                } else if query["to"].map({ parseDate($0) != nil }) ?? true, date >= to {
                    errors.append(.init(field: "from", message: "must be before to"))
                }
            } else {
                errors.append(.init(field: "from", message: "must be a real ISO 8601 date (2026-01-01) or date-time"))
            }
        } else {
            let name = range ?? defaultRange
            if name == "all" {
                from = nil
            } else if let days = ranges[name] {
                from = to.addingTimeInterval(-days * 86_400)
            }
        }
        guard errors.isEmpty else { throw HTTPProblem.invalid(errors) }
        if let start = plan.historyStart(now: now), from.map({ $0 < start }) ?? true {
            return TimeWindow(from: start, to: max(to, start.addingTimeInterval(1)), clamped: true)
        }
        return TimeWindow(from: from, to: to, clamped: false)
    }

    /// An ISO 8601 date or date-time whose calendar date exists (the formatter alone would
    /// roll `2026-02-30` over to March 2).
    static func parseDate(_ text: String) -> Date? {
        guard hasRealCalendarDate(text) else { return nil }
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date }
        guard text.count == 10 else { return nil }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        return day.date(from: text)
    }

    /// True when `text` starts with `YYYY-MM-DD` naming a day of the Gregorian calendar.
    static func hasRealCalendarDate(_ text: String) -> Bool {
        let parts = text.prefix(10).split(separator: "-", omittingEmptySubsequences: false)
        guard text.count >= 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), day >= 1
        else { return false }
        return day <= CivilDaysInMonth.days(year: year, month: month)
    }
}

/// Days in a month of the proleptic Gregorian calendar.
enum CivilDaysInMonth {
    static func days(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

extension Request {
    /// The query parameters, last value winning.
    var queryDictionary: [String: String] {
        var values: [String: String] = [:]
        for (key, value) in uri.queryParameters { values[String(key)] = String(value) }
        return values
    }
}
