import Foundation

/// A broker server's UTC offset history, learned from ``ServerClockSample``s (issue 12).
///
/// MT5 writes deal and tick times on the broker's wall clock, and its API does not give the
/// offset. A sample's offset is `tick time − UTC`, rounded to 15 minutes; it counts only when
///
/// - it lies within ``tolerance`` of a 15-minute step between −12 h and +14 h (a tick a few
///   seconds old rounds to the true offset; an old one does not), and
/// - its tick differs from the last sample's: over a weekend or a holiday the newest tick
///   stays where the market closed, and each reading of it would give a smaller offset. (A
///   tick older than the last one is read: a broker may set its clock back.)
///
/// The first valid sample sets the offset. A different offset is adopted after
/// ``confirmations`` valid samples agree on it (a single odd reading changes nothing); while
/// no second sample has confirmed the first offset, the new one replaces it (the first reading
/// was the odd one: a frozen tick read just after the close). A
/// change of one hour across a New York daylight-saving switch is dated at that switch (most
/// MT5 brokers run UTC+2 in winter and UTC+3 in summer, switching with New York); any other
/// change at its first sample.
///
/// Before the first sample, the offset is extrapolated: following New York's daylight saving
/// while every change seen so far did (``followsNewYork``), else held constant.
public struct BrokerClock: Codable, Sendable, Equatable {
    /// How far a sample may be from a 15-minute step (the tick's age).
    public static let tolerance: Int64 = 120_000
    /// Agreeing valid samples needed to change a known offset.
    public static let confirmations = 2
    static let step: Int64 = 900_000
    static let offsetBounds: ClosedRange<Int64> = -12 * 3_600...14 * 3_600

    /// What one sample did.
    public enum Observation: Sendable, Equatable {
        /// Not usable: off a 15-minute step, out of bounds, or the same tick as the last sample.
        case ignored
        /// Agrees with the offset in force.
        case unchanged
        /// Disagrees; waiting for confirmation.
        case pending
        /// The history changed: times converted with it must be converted again.
        case changed
    }

    /// The learned offsets, oldest first.
    public private(set) var segments: [OffsetSegment] = []
    /// False once a change is seen that is not a one-hour step at a New York switch, or the
    /// offset held across a New York switch.
    public private(set) var followsNewYork = true
    var lastTickMs: Int64?
    var lastValidUTC: Int64?
    var pendingOffset: Int64?
    var pendingFromUTC: Int64 = 0
    var pendingCount = 0
    /// Valid samples that agreed with the offset in force.
    var support = 0

    /// A clock that knows nothing yet.
    public init() {}

    /// The offset in force now; nil before the first valid sample.
    public var currentOffset: Int64? { segments.last?.offsetSeconds }

    /// Takes one sample into account.
    @discardableResult
    public mutating func observe(_ sample: ServerClockSample) -> Observation {
        guard let offset = Self.sampleOffset(sample) else { return .ignored }
        if let lastTickMs, sample.tickMs == lastTickMs { return .ignored }
        lastTickMs = sample.tickMs
        let utc = Self.seconds(sample.utcMs)
        defer { if segments.last?.offsetSeconds == offset { lastValidUTC = utc } }
        guard let current = segments.last?.offsetSeconds else {
            segments = [OffsetSegment(fromUTC: utc, offsetSeconds: offset)]
            support = 1
            return .changed
        }
        if offset == current {
            pendingOffset = nil
            support += 1
            if followsNewYork, let lastValidUTC, NewYork.isDaylightSaving(lastValidUTC) != NewYork.isDaylightSaving(utc) {
                // The same offset on both sides of a New York switch: history is not extrapolated
                // along New York any more, so times converted that way must be converted again.
                followsNewYork = false
                return .changed
            }
            return .unchanged
        }
        if pendingOffset != offset {
            pendingOffset = offset
            pendingFromUTC = utc
            pendingCount = 0
        }
        pendingCount += 1
        guard pendingCount >= Self.confirmations else { return .pending }
        pendingOffset = nil
        if segments.count == 1, support < Self.confirmations {
            // Known from its first sample on; earlier times are extrapolated from there.
            segments = [OffsetSegment(fromUTC: pendingFromUTC, offsetSeconds: offset)]
            support = pendingCount
            followsNewYork = true
            return .changed
        }
        support = pendingCount
        var from = pendingFromUTC
        let previous = lastValidUTC ?? segments[segments.count - 1].fromUTC
        if abs(offset - current) == 3_600, let switchAt = NewYork.transition(after: previous, before: pendingFromUTC),
           (offset > current) == NewYork.isDaylightSaving(switchAt) {
            from = switchAt
        } else {
            followsNewYork = false
        }
        segments.append(OffsetSegment(fromUTC: max(from, segments[segments.count - 1].fromUTC + 1), offsetSeconds: offset))
        return .changed
    }

    /// The UTC instant of a broker wall-clock time (seconds); nil before any valid sample.
    public func utc(fromBroker broker: Int64) -> Int64? {
        guard let offset = offset(atBroker: broker) else { return nil }
        return broker - offset
    }

    /// The offset in force at a broker wall-clock time, by the same table SQL converts with
    /// (``conversionTable(fromBroker:)``); nil before any valid sample.
    public func offset(atBroker broker: Int64) -> Int64? {
        conversionTable(fromBroker: broker).last { $0.fromBroker <= broker }?.offsetSeconds
    }

    /// Before the first sample: the first offset shifted by New York's daylight saving at
    /// `utc` versus at the first sample.
    private func extrapolated(_ first: OffsetSegment, atUTC utc: Int64) -> Int64 {
        let then: Int64 = NewYork.isDaylightSaving(utc) ? 1 : 0
        let atFirst: Int64 = NewYork.isDaylightSaving(first.fromUTC) ? 1 : 0
        return first.offsetSeconds + (then - atFirst) * 3_600
    }

    /// The segments in force from `lower` (broker seconds) on, extrapolated ones included:
    /// what SQL needs to convert stored times (`time − offset` of the last segment starting
    /// at or before it). Empty before any valid sample.
    public func conversionTable(fromBroker lower: Int64) -> [OffsetSegment] {
        guard let first = segments.first else { return [] }
        var table: [OffsetSegment] = []
        if followsNewYork {
            // Walk New York's switches from `lower` to the first sample.
            var cursor = min(lower, first.fromBroker) - first.offsetSeconds - 86_400
            table.append(OffsetSegment(fromUTC: Int64.min / 4, offsetSeconds: extrapolated(first, atUTC: cursor)))
            while let next = NewYork.transition(after: cursor, before: first.fromUTC) {
                table.append(OffsetSegment(fromUTC: next, offsetSeconds: extrapolated(first, atUTC: next)))
                cursor = next
            }
        } else {
            table.append(OffsetSegment(fromUTC: Int64.min / 4, offsetSeconds: first.offsetSeconds))
        }
        table.append(contentsOf: segments)
        return table
    }

    /// A sample's offset in seconds, or nil when it is not a usable reading.
    public static func sampleOffset(_ sample: ServerClockSample) -> Int64? {
        let raw = sample.tickMs - sample.utcMs
        let steps = (Double(raw) / Double(step)).rounded()
        guard steps.isFinite, abs(steps) < 1e6 else { return nil }
        let rounded = Int64(steps) * step
        guard abs(raw - rounded) <= tolerance else { return nil }
        let seconds = rounded / 1000
        return offsetBounds.contains(seconds) ? seconds : nil
    }

    static func seconds(_ ms: Int64) -> Int64 { ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000) }
}

/// New York's daylight-saving calendar (tzdata's `America/New_York`).
enum NewYork {
    static let zone = TimeZone(identifier: "America/New_York")!

    static func isDaylightSaving(_ utc: Int64) -> Bool {
        zone.isDaylightSavingTime(for: Date(timeIntervalSince1970: Double(utc)))
    }

    /// The first switch strictly after `after` and at or before `before`, in UTC seconds.
    static func transition(after: Int64, before: Int64) -> Int64? {
        guard let next = zone.nextDaylightSavingTimeTransition(after: Date(timeIntervalSince1970: Double(after))) else {
            return nil
        }
        let seconds = Int64(next.timeIntervalSince1970.rounded())
        return seconds <= before ? seconds : nil
    }
}
