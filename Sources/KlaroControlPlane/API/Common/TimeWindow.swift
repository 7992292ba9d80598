import Foundation
import Hummingbird

/// The period a history or analytics request covers: `range` (`1d`, `7d`, `30d`, `90d`,
/// `1y`, `all`, ending at `to`) or `from`/`to` (ISO 8601 date or date-time; `to` excluded;
/// `from` wins over `range`), clamped to what the plan allows. A `from` at or after `to` is an
/// empty period, not an error.
struct TimeWindow: Sendable, Equatable {
    let from: Date?
    let to: Date
    /// True when the plan cut the start of the asked period.
    let clamped: Bool

    static let ranges: [String: Double] = ["1d": 1, "7d": 7, "30d": 30, "90d": 90, "1y": 365]

    /// Reads the query; problems are 422 naming the parameter.
    static func parse(_ query: [String: String], defaultRange: String, plan: Plan, now: Date = Date()) throws -> TimeWindow {
        var errors: [HTTPProblem.FieldError] = []
        var from: Date?
        var to = now
        let range = query["range"]
        if let range, range != "all", ranges[range] == nil {
            errors.append(.init(field: "range", message: "must be one of 1d, 7d, 30d, 90d, 1y, all"))
        }
        if let text = query["to"] {
            if let date = parseDate(text) { to = date } else {
                errors.append(.init(field: "to", message: "must be an ISO 8601 date (2026-01-31) or date-time"))
            }
        }
        if let text = query["from"] {
            if let date = parseDate(text) { from = date } else {
                errors.append(.init(field: "from", message: "must be an ISO 8601 date (2026-01-01) or date-time"))
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

    static func parseDate(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        full.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        day.timeZone = TimeZone(identifier: "UTC")
        return day.date(from: text)
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
