import Foundation
import KlaroPostgres

/// The seed's business model: free = 1 account and 30 days of history; pro ($15/month) =
/// unlimited. A user is on pro while one of their subscriptions is `active` or `trialing`
/// (SQL `klaro_user_plan(user_id)`, migration 0002).
public enum Plan: String, Sendable, Codable, CaseIterable {
    case free
    case pro

    /// Accounts allowed; nil for unlimited.
    public var maxAccounts: Int? {
        switch self {
        case .free: 1
        case .pro: nil
        }
    }

    /// Days of history allowed; nil for unlimited.
    public var historyDays: Int? {
        switch self {
        case .free: 30
        case .pro: nil
        }
    }

    /// The user's plan now, on a connection the caller holds (inside its transaction).
    public static func current(for userID: UUID, connection: PostgresConnection) throws -> Plan {
        let rows = try connection.query("SELECT klaro_user_plan($1)", [userID])
        return Plan(rawValue: try rows[0].string(0)) ?? .free
    }

    /// The earliest time the plan lets the user see, or nil when unlimited.
    func historyStart(now: Date = Date()) -> Date? {
        historyDays.map { now.addingTimeInterval(-Double($0) * 86_400) }
    }
}
