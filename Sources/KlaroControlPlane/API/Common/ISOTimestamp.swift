import Foundation

/// `2026-11-25T07:59:57Z` for a date, written by hand: curves hold hundreds of points, and
/// `JSONEncoder`'s ISO 8601 strategy formats each one through `ISO8601DateFormatter`.
enum ISOTimestamp {
    static func format(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        var text = ""
        text.reserveCapacity(20)
        func append(_ value: Int64, _ width: Int) {
            let digits = String(value)
            if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
            text += digits
        }
        append(year, 4); text += "-"; append(month, 2); text += "-"; append(day, 2); text += "T"
        append(secondOfDay / 3600, 2); text += ":"; append(secondOfDay % 3600 / 60, 2); text += ":"; append(secondOfDay % 60, 2)
        text += "Z"
        return text
    }
}
