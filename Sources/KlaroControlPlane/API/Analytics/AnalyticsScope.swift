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
    /// True when every account's whole deal history is stored: starting balances then come
    /// from it (`deal_history`). False: they are inferred from the first snapshot (or 0) and
    /// the curve since inception starts later than the first deposit.
    let history_complete: Bool
    /// The zone that cuts days, hours and months: `tz=` as asked, or `broker` (the broker's
    /// own days, from its learned UTC offsets). Times in answers are UTC either way.
    let time_zone: String
    /// False while the broker's UTC offset is not learned yet: times are then the broker's
    /// wall clock read as UTC (off by the offset).
    let broker_offset_known: Bool
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
    /// From snapshots (the window's balances and equities at each sync).
    let balance: DrawdownReport?
    let equity: DrawdownReport?
    /// From the balance curve rebuilt from deals, over the whole history shown.
    let since_inception: BalanceCurveSummary?
}
