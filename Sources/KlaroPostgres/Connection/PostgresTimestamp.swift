import Foundation

/// Conversions between `Date` and the text form of `timestamptz` in a UTC session
/// (`2026-11-25 07:59:57.123456+00`), written by hand because they sit on the hot path.
public enum PostgresTimestamp {
    /// Formats a date as UTC with microsecond precision.
    public static func format(_ date: Date) -> String {
        let totalMicros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        var seconds = Int64((totalMicros / 1_000_000).rounded(.down))
        let micros = Int64(totalMicros - Double(seconds) * 1_000_000)
        let days = floorDiv(seconds, 86_400)
        seconds -= days * 86_400
        let (year, month, day) = civilDate(fromDays: days)
        let hour = seconds / 3600, minute = (seconds % 3600) / 60, second = seconds % 60
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2)) \(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(micros, 6))+00"
    }

    /// Parses `YYYY-MM-DD HH:MM:SS[.ffffff][+HH[:MM]]`; returns nil for anything else
    /// (including `infinity`).
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// ``parse(_:)`` over the UTF-8 bytes of a value as libpq returns it (no String made:
    /// the scheduler reads thousands of timestamps a tick).
    public static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        var position = 0
        func number(_ digits: Int) -> Int64? {
            guard bytes.count - position >= digits else { return nil }
            var value: Int64 = 0
            for _ in 0..<digits {
                let c = bytes[position]
                guard c >= 48 && c <= 57 else { return nil }
                value = value * 10 + Int64(c - 48)
                position += 1
            }
            return value
        }
        func expect(_ c: UInt8) -> Bool {
            guard position < bytes.count, bytes[position] == c else { return false }
            position += 1
            return true
        }
        guard let year = number(4), expect(45), let month = number(2), expect(45), let day = number(2),
              expect(32) || expect(84), let hour = number(2), expect(58), let minute = number(2), expect(58),
              let second = number(2)
        else { return nil }
        var micros: Int64 = 0
        if expect(46) {
            var scale: Int64 = 100_000
            while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                micros += Int64(bytes[position] - 48) * scale
                scale /= 10
                position += 1
            }
        }
        var offsetSeconds: Int64 = 0
        if position < bytes.count, bytes[position] == 43 || bytes[position] == 45 {
            let sign = bytes[position]
            position += 1
            guard let oh = number(2) else { return nil }
            var om: Int64 = 0
            if expect(58) { guard let m = number(2) else { return nil }; om = m }
            offsetSeconds = (oh * 3600 + om * 60) * (sign == 45 ? -1 : 1)
        } else if expect(90) {
            offsetSeconds = 0
        }
        guard position == bytes.count, (1...12).contains(month), (1...31).contains(day) else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let epoch = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Date(timeIntervalSince1970: Double(epoch) + Double(micros) / 1_000_000)
    }

    // Howard Hinnant's civil-calendar algorithms (public domain).
    static func daysFromCivil(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilDate(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : (a - b + 1) / b
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
