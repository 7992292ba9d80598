import Foundation

/// Redis key names and constants of protocol v1 (docs/protocol.md §2–§3).
public enum ProtocolKeys {
    public static let version = 1
    public static let results = "klaro:results"
    public static let dead = "klaro:dead"
    public static let ingestGroup = "ingest"
    public static let slotGroup = "slot"
    public static let hostPattern = "klaro:host:*"
    public static let heartbeatPattern = "klaro:hb:*"
    /// A result larger than this is dead-lettered unread (§8).
    public static let maxResultBytes = 16 * 1024 * 1024
    public static let maxPositions = 10_000
    public static let jobStreamMaxLength = 1000
    public static let deadStreamMaxLength = 100_000

    public static func host(_ host: String) -> String { "klaro:host:\(host)" }
    public static func heartbeat(_ host: String, _ slot: Int) -> String { "klaro:hb:\(host):\(slot)" }
    public static func queue(_ host: String, _ slot: Int) -> String { "klaro:q:\(host):\(slot)" }

    /// True for a host id that may appear in keys: `[a-z0-9][a-z0-9-]{0,62}`.
    public static func isValidHostID(_ id: some StringProtocol) -> Bool {
        let bytes = Array(id.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func allowed(_ b: UInt8, first: Bool) -> Bool {
            (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || (!first && b == 45)
        }
        return bytes.enumerated().allSatisfy { allowed($0.element, first: $0.offset == 0) }
    }
}

/// Unix epoch milliseconds, the protocol's time unit.
public enum EpochMilliseconds {
    public static func from(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
    public static func date(_ milliseconds: Int64) -> Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }
}
