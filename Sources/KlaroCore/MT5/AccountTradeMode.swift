import Foundation

/// MT5's `ENUM_ACCOUNT_TRADE_MODE`.
public enum AccountTradeMode: Int, Codable, Sendable, CaseIterable {
    case demo = 0
    case contest = 1
    case real = 2
}
