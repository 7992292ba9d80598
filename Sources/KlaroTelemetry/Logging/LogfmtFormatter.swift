import Glibc
import Logging

/// Formats one log entry as a logfmt line:
/// `ts=2026-11-25T07:59:57.123Z level=info logger=klarod msg="…" job_id=…`.
///
/// `msg` is always quoted; other values are quoted only when they need it (empty, or holding
/// a space, `=`, `"`, `\` or a control character). Inside quotes `"` and `\` are escaped and
/// control characters are written as `\n`, `\r`, `\t` or `\u00XX`, so an entry is always one
/// line. Metadata follows in key order.
public enum LogfmtFormatter {
    /// Formats an entry; the result ends with a newline.
    /// - Parameters:
    ///   - epochMilliseconds: wall-clock time of the entry, in milliseconds since 1970 (UTC).
    public static func format(
        epochMilliseconds: Int64,
        level: Logger.Level,
        label: String,
        message: String,
        metadata: Logger.Metadata
    ) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(96 + message.utf8.count + metadata.count * 24)
        line.append(contentsOf: "ts=".utf8)
        line.append(contentsOf: timestamp(epochMilliseconds: epochMilliseconds).utf8)
        line.append(contentsOf: " level=".utf8)
        line.append(contentsOf: level.rawValue.utf8)
        line.append(contentsOf: " logger=".utf8)
        appendValue(label, to: &line, alwaysQuote: false)
        line.append(contentsOf: " msg=".utf8)
        appendValue(message, to: &line, alwaysQuote: true)
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) {
            line.append(UInt8(ascii: " "))
            appendKey(key, to: &line)
            line.append(UInt8(ascii: "="))
            appendValue(LogMetadata.flatten(value), to: &line, alwaysQuote: false)
        }
        line.append(UInt8(ascii: "\n"))
        return line
    }

    /// RFC 3339 UTC time with milliseconds, e.g. `2026-11-25T07:59:57.123Z`.
    public static func timestamp(epochMilliseconds: Int64) -> String {
        var seconds = time_t(epochMilliseconds.floorDivided(by: 1000))
        let millis = Int(epochMilliseconds - Int64(seconds) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return pad(Int(parts.tm_year) + 1900, 4) + "-" + pad(Int(parts.tm_mon) + 1, 2) + "-" + pad(Int(parts.tm_mday), 2)
            + "T" + pad(Int(parts.tm_hour), 2) + ":" + pad(Int(parts.tm_min), 2) + ":" + pad(Int(parts.tm_sec), 2)
            + "." + pad(millis, 3) + "Z"
    }

    /// The current wall-clock time in milliseconds since 1970.
    static func nowEpochMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Keys cannot be quoted in logfmt: characters that would break parsing become `_`.
    private static func appendKey(_ key: String, to line: inout [UInt8]) {
        guard !key.isEmpty else {
            line.append(UInt8(ascii: "_"))
            return
        }
        for byte in key.utf8 {
            line.append(byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") ? UInt8(ascii: "_") : byte)
        }
    }

    private static func appendValue(_ value: String, to line: inout [UInt8], alwaysQuote: Bool) {
        guard alwaysQuote || needsQuoting(value) else {
            line.append(contentsOf: value.utf8)
            return
        }
        line.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): line.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): line.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): line.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): line.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): line.append(contentsOf: #"\t"#.utf8)
            case 0x00..<0x20, 0x7F:
                line.append(contentsOf: #"\u00"#.utf8)
                line.append(hexDigit(byte >> 4))
                line.append(hexDigit(byte & 0x0F))
            default: line.append(byte)
            }
        }
        line.append(UInt8(ascii: "\""))
    }

    private static func needsQuoting(_ value: String) -> Bool {
        if value.isEmpty { return true }
        return value.utf8.contains { byte in
            byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: "=") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\")
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }
}

extension Int64 {
    /// Division rounding towards negative infinity, so times before 1970 keep a positive millisecond part.
    fileprivate func floorDivided(by divisor: Int64) -> Int64 {
        let quotient = self / divisor
        return (self % divisor < 0) ? quotient - 1 : quotient
    }
}
