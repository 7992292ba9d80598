import Foundation

/// Cuts epoch seconds into local days, hours and weekdays of one time zone, fast.
///
/// The zone's UTC offsets over the analysed span are read from Foundation once (one segment per
/// daylight-saving transition); each lookup is then integer arithmetic, so tens of thousands of
/// records cost microseconds rather than a `Calendar` call each.
struct DayCalendar: Sendable {
    static let secondsPerDay: Int64 = 86_400

    /// Start of each constant-offset segment, ascending; the first is `Int64.min`.
    private let segmentStarts: [Int64]
    private let segmentOffsets: [Int64]

    /// A calendar valid for times in `lower...upper` (times outside use the nearest segment).
    init(timeZone: TimeZone, lower: Int64, upper: Int64) {
        var starts: [Int64] = [.min]
        var offsets: [Int64] = [Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(lower))))]
        var cursor = Date(timeIntervalSince1970: Double(lower))
        let end = Date(timeIntervalSince1970: Double(upper))
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor), next <= end, next > cursor {
            starts.append(Int64(next.timeIntervalSince1970.rounded(.down)))
            offsets.append(Int64(timeZone.secondsFromGMT(for: next)))
            cursor = next
        }
        segmentStarts = starts
        segmentOffsets = offsets
    }

    /// A calendar of a broker's learned offsets (times are UTC; `segments` oldest first).
    init(segments: [OffsetSegment]) {
        guard let first = segments.first else {
            segmentStarts = [.min]
            segmentOffsets = [0]
            return
        }
        segmentStarts = [.min] + segments.dropFirst().map(\.fromUTC)
        segmentOffsets = [first.offsetSeconds] + segments.dropFirst().map(\.offsetSeconds)
    }

    /// The zone's offset from UTC at `time`, in seconds.
    func offset(at time: Int64) -> Int64 {
        if segmentStarts.count == 1 { return segmentOffsets[0] }
        var low = 0
        var high = segmentStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segmentStarts[middle] <= time { low = middle } else { high = middle - 1 }
        }
        return segmentOffsets[low]
    }

    /// Local day number: days since 1970-01-01 in the zone.
    func day(of time: Int64) -> Int64 {
        Self.floorDivide(time + offset(at: time), Self.secondsPerDay)
    }

    /// Local hour of day, 0…23.
    func hour(of time: Int64) -> Int {
        let local = time + offset(at: time)
        return Int((local - Self.floorDivide(local, Self.secondsPerDay) * Self.secondsPerDay) / 3600)
    }

    /// ISO weekday of a local day number: 1 Monday … 7 Sunday (1970-01-01 was a Thursday).
    static func isoWeekday(ofDay day: Int64) -> Int {
        Int((day + 3) - floorDivide(day + 3, 7) * 7) + 1
    }

    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }
}
