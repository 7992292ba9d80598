import Foundation

/// Where the starting balance of an analysis came from.
public enum StartingBalanceSource: String, Codable, Sendable {
    /// ``AnalyticsInput/startingBalance`` was given.
    case given
    /// The sum of every balance-moving event before the range, from the account's whole deal
    /// history (the API passes it as given, with this source).
    case dealHistory = "deal_history"
    /// Inferred: the first snapshot's balance minus the trades and balance operations in the
    /// range up to that snapshot.
    case firstSnapshot = "first_snapshot"
    /// No balance and no snapshot: taken as 0 (right when the range starts before the first
    /// deposit).
    case assumedZero = "assumed_zero"
}
