import Foundation

/// Balance and equity of the account at one moment (one sync's `account_info()`).
///
/// `time` must be on the same clock as deal times: broker wall-clock epoch seconds. A sync's
/// own timestamp is real UTC; shift it by the broker's UTC offset before passing it here.
public struct EquitySnapshot: Codable, Sendable, Equatable {
    /// Broker wall-clock epoch seconds.
    public var time: Int64
    public var balance: Double
    /// Balance plus credit plus floating profit of open positions.
    public var equity: Double

    /// Creates a snapshot.
    public init(time: Int64, balance: Double, equity: Double) {
        self.time = time
        self.balance = balance
        self.equity = equity
    }
}
