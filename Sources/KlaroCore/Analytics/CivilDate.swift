import Foundation

/// A proleptic Gregorian calendar date, computed from a day number without Foundation's
/// `Calendar` (Howard Hinnant's `civil_from_days`).
struct CivilDate: Sendable, Equatable {
    var year: Int64
    var month: Int64
    var day: Int64

    /// The date of day number `days` (days since 1970-01-01).
    init(daysSinceEpoch days: Int64) {
        let z = days + 719_468
        let era = DayCalendar.floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    }

    /// `YYYY-MM-DD`.
    var dayString: String { "\(monthString)-\(Self.padded(day, 2))" }

    /// `YYYY-MM`.
    var monthString: String { "\(Self.padded(year, 4))-\(Self.padded(month, 2))" }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
