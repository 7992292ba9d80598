import Foundation

/// One reading of a broker server's clock, as a worker reports it with a sync (protocol
/// field `server_clock`): the newest tick time it could see (MT5's `symbol_info_tick(symbol)
/// .time_msc`, the broker's wall clock written as epoch milliseconds) beside its own UTC clock.
public struct ServerClockSample: Codable, Sendable, Equatable {
    /// The worker's UTC clock when it read the tick, Unix milliseconds.
    public var utcMs: Int64
    /// The newest tick time seen, broker wall-clock epoch milliseconds.
    public var tickMs: Int64
    /// The symbol whose tick it was (for logs and tests; not used in the arithmetic).
    public var symbol: String

    /// Creates a sample.
    public init(utcMs: Int64, tickMs: Int64, symbol: String = "") {
        self.utcMs = utcMs
        self.tickMs = tickMs
        self.symbol = symbol
    }

    /// Decodes a sample; `symbol` is optional.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        utcMs = try container.decode(Int64.self, forKey: .utcMs)
        tickMs = try container.decode(Int64.self, forKey: .tickMs)
        symbol = try container.decodeIfPresent(String.self, forKey: .symbol) ?? ""
    }

    enum CodingKeys: String, CodingKey {
        case utcMs = "utc_ms"
        case tickMs = "tick_time_msc"
        case symbol
    }
}

/// A broker offset in force from a UTC instant on.
public struct OffsetSegment: Codable, Sendable, Equatable {
    /// First UTC second the offset applies to.
    public var fromUTC: Int64
    /// Broker wall clock − UTC, in seconds (a multiple of 15 minutes).
    public var offsetSeconds: Int64

    /// Creates a segment.
    public init(fromUTC: Int64, offsetSeconds: Int64) {
        self.fromUTC = fromUTC
        self.offsetSeconds = offsetSeconds
    }

    /// The broker wall-clock second at which the segment starts.
    public var fromBroker: Int64 { fromUTC + offsetSeconds }

    enum CodingKeys: String, CodingKey {
        case fromUTC = "from_utc"
        case offsetSeconds = "offset_seconds"
    }
}
