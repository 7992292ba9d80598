import Foundation

/// The part of MT5's `terminal_info()` a result carries: `{build, connected, ping_last}`.
public struct TerminalSummary: Codable, Sendable, Equatable {
    /// The terminal's build number.
    public var build: Int
    /// Whether the terminal is connected to the broker's trade server.
    public var connected: Bool
    /// The last ping to the trade server, in microseconds (MT5's unit).
    public var pingLast: Int64

    /// Creates a terminal summary.
    public init(build: Int, connected: Bool, pingLast: Int64) {
        self.build = build
        self.connected = connected
        self.pingLast = pingLast
    }

    enum CodingKeys: String, CodingKey {
        case build, connected
        case pingLast = "ping_last"
    }
}
