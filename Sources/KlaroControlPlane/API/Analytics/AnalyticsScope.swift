import Foundation
import KlaroCore

/// What an analytics answer covers: which accounts, which currency, which period.
struct AnalyticsScope: Encodable, Sendable {
    let account_ids: [String]
    /// The deposit currency of the accounts (analytics across accounts never mix currencies).
    let currency: String
    let from: Date?
    let to: Date
    /// True when the plan shortened the asked period (free: 30 days).
    let clamped: Bool
    let plan: String
    /// `snapshot` (every sync) while accounts × days ≤ 31; `daily` (each day's high, low
    /// and close of equity) beyond. See docs/api.md.
    let equity_resolution: String
}

/// An analytics answer: its scope and the result.
struct AnalyticsResponse<Result: Encodable & Sendable>: Encodable, Sendable {
    let scope: AnalyticsScope
    let result: Result
}

/// `GET /api/analytics/daily`'s result.
struct DailySeries: Encodable, Sendable {
    let daily: [DailyPoint]
    let monthly: [MonthlyPoint]
}

/// `GET /api/analytics/drawdown`'s result.
struct DrawdownResult: Encodable, Sendable {
    let balance: DrawdownReport?
    let equity: DrawdownReport?
}
