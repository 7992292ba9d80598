import Foundation

/// `GET /api/dashboard/summary`: every account's latest figures, totals per currency, and the
/// balance/equity curve over the asked period.
struct DashboardSummary: Encodable, Sendable {
    struct Account: Encodable, Sendable {
        let id: String
        let account_name: String
        let mt5_login: Int64
        let mt5_server: String
        let account_category: String
        let status: String
        let status_text: String
        let stale: Bool
        let sync_in_flight: Bool
        let last_synced: Date?
        let last_success_at: Date?
        /// Time of the snapshot the figures come from (nil before the first sync).
        let snapshot_at: Date?
        let currency: String?
        let balance: Double?
        let equity: Double?
        let floating_profit: Double?
        let margin: Double?
        let margin_level: Double?
        let open_positions: Int
        let closed_profit_today: Double
        let closed_profit_month: Double
    }

    /// Sums over the accounts that share a deposit currency.
    struct Total: Encodable, Sendable {
        let currency: String
        let accounts: Int
        let balance: Double
        let equity: Double
        let floating_profit: Double
        let margin: Double
        /// equity ÷ margin × 100; nil without margin in use.
        let margin_level: Double?
        let open_positions: Int
        let closed_profit_today: Double
        let closed_profit_month: Double
    }

    struct Point: Encodable, Sendable, Equatable {
        /// Start of the bucket; the values are the last snapshot in it (carried forward for
        /// totals when an account has none in that bucket).
        let t: Date
        let balance: Double
        let equity: Double
    }

    struct AccountCurve: Encodable, Sendable {
        let account_id: String
        let currency: String
        let points: [Point]
    }

    struct TotalCurve: Encodable, Sendable {
        let currency: String
        let points: [Point]
    }

    struct Curve: Encodable, Sendable {
        let from: Date?
        let to: Date
        /// `hour` up to 7 days, `day` beyond.
        let resolution: String
        /// True when the plan shortened the asked period.
        let clamped: Bool
        let accounts: [AccountCurve]
        let totals: [TotalCurve]
    }

    let generated_at: Date
    let plan: String
    /// Days of history the plan shows (nil: unlimited).
    let history_days: Int?
    /// Start of "today" and "this month" for closed profit: 00:00 UTC applied to the broker's
    /// deal times.
    let day_start: Date
    let month_start: Date
    let totals: [Total]
    let accounts: [Account]
    let curve: Curve
}
