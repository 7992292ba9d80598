import Foundation
import KlaroCore
import Testing

/// The broker-offset learner on recorded sequences (issue 12): a sync every 15 minutes, the
/// newest tick a few seconds old while the market is open and frozen at Friday's close over
/// the weekend.
@Suite struct BrokerClockTests {
    /// UTC seconds of an ISO 8601 instant.
    static func utc(_ text: String) -> Int64 { Int64(ISO8601DateFormatter().date(from: text)!.timeIntervalSince1970) }

    /// A broker on `offset(utc)` (seconds), sampled every 15 minutes from `from` to `to`; the
    /// market closes Friday 22:00 UTC and reopens Sunday 22:00 UTC, ticks are `lag` old.
    static func samples(from: String, to: String, lag: Int64 = 3, offset: (Int64) -> Int64) -> [ServerClockSample] {
        var samples: [ServerClockSample] = []
        var lastTick: Int64 = 0
        var now = utc(from)
        while now <= utc(to) {
            let weekday = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date(timeIntervalSince1970: Double(now))).weekday!
            let hour = (now % 86_400) / 3_600
            let closed = weekday == 7 || (weekday == 6 && hour >= 22) || (weekday == 1 && hour < 22)
            if !closed { lastTick = now - lag }
            samples.append(ServerClockSample(utcMs: now * 1000 + 250, tickMs: (lastTick + offset(lastTick)) * 1000 + 17))
            now += 900
        }
        return samples
    }

    /// UTC+2 in New York's winter, UTC+3 in its summer.
    static func newYorkBroker(_ utc: Int64) -> Int64 {
        TimeZone(identifier: "America/New_York")!.isDaylightSavingTime(for: Date(timeIntervalSince1970: Double(utc))) ? 10_800 : 7_200
    }

    @Test("spring switch over a weekend: dated at New York's switch, stale weekend ticks ignored")
    func springSwitch() throws {
        var clock = BrokerClock()
        var seen: [BrokerClock.Observation] = []
        for sample in Self.samples(from: "2026-03-05T12:00:00Z", to: "2026-03-10T12:00:00Z", offset: Self.newYorkBroker) {
            seen.append(clock.observe(sample))
        }
        #expect(clock.segments == [
            OffsetSegment(fromUTC: Self.utc("2026-03-05T12:00:00Z"), offsetSeconds: 7_200),
            OffsetSegment(fromUTC: Self.utc("2026-03-08T07:00:00Z"), offsetSeconds: 10_800),
        ])
        #expect(clock.followsNewYork)
        #expect(seen.filter { $0 == .changed }.count == 2)
        #expect(seen.contains(.ignored), "the frozen weekend tick")
        // Broker 10:00 on Friday is 08:00 UTC; on Monday 07:00 UTC.
        #expect(clock.utc(fromBroker: Self.utc("2026-03-06T10:00:00Z")) == Self.utc("2026-03-06T08:00:00Z"))
        #expect(clock.utc(fromBroker: Self.utc("2026-03-09T10:00:00Z")) == Self.utc("2026-03-09T07:00:00Z"))
        // Before the first sample: last summer was UTC+3, last winter UTC+2.
        #expect(clock.utc(fromBroker: Self.utc("2025-07-01T12:00:00Z")) == Self.utc("2025-07-01T09:00:00Z"))
        #expect(clock.utc(fromBroker: Self.utc("2025-12-01T12:00:00Z")) == Self.utc("2025-12-01T10:00:00Z"))
    }

    @Test("autumn switch: from UTC+3 back to UTC+2")
    func autumnSwitch() {
        var clock = BrokerClock()
        for sample in Self.samples(from: "2026-10-29T00:00:00Z", to: "2026-11-03T00:00:00Z", offset: Self.newYorkBroker) {
            clock.observe(sample)
        }
        #expect(clock.segments.map(\.offsetSeconds) == [10_800, 7_200])
        #expect(clock.segments.last?.fromUTC == Self.utc("2026-11-01T06:00:00Z"))
        #expect(clock.followsNewYork)
    }

    @Test("the weekend alone: a frozen tick never confirms an offset")
    func weekendGap() {
        var clock = BrokerClock()
        let closeTick = (Self.utc("2026-03-06T21:59:59Z") + 7_200) * 1000
        let sequence = [
            ServerClockSample(utcMs: Self.utc("2026-03-06T21:45:00Z") * 1000, tickMs: (Self.utc("2026-03-06T21:44:58Z") + 7_200) * 1000),
            // Friday's last tick, read 15 minutes after the close: −0:15:01 passes as a 15-minute step.
            ServerClockSample(utcMs: Self.utc("2026-03-07T00:15:00Z") * 1000, tickMs: closeTick),
            // The same tick all weekend: no newer than the last, ignored.
            ServerClockSample(utcMs: Self.utc("2026-03-07T00:30:00Z") * 1000, tickMs: closeTick),
            ServerClockSample(utcMs: Self.utc("2026-03-08T12:00:00Z") * 1000, tickMs: closeTick),
            ServerClockSample(utcMs: Self.utc("2026-03-08T22:00:00Z") * 1000, tickMs: (Self.utc("2026-03-08T21:59:59Z") + 7_200) * 1000),
        ]
        // The last reading keeps UTC+2 across New York's switch (8 March, 07:00 UTC): a fixed
        // offset, which changes the extrapolated history.
        #expect(sequence.map { clock.observe($0) } == [.changed, .pending, .ignored, .ignored, .changed])
        #expect(clock.segments == [OffsetSegment(fromUTC: Self.utc("2026-03-06T21:45:00Z"), offsetSeconds: 7_200)])
        #expect(!clock.followsNewYork)
        // Saturday's reading of the frozen tick is off any 15-minute step.
        let frozen = ServerClockSample(utcMs: Self.utc("2026-03-07T10:07:00Z") * 1000, tickMs: closeTick)
        #expect(BrokerClock.sampleOffset(frozen) == nil)
    }

    @Test("a first sync just after the close: the frozen first reading is replaced, not kept as history")
    func oddFirstReading() {
        var clock = BrokerClock()
        let closeTick = (Self.utc("2026-03-06T21:59:59Z") + 7_200) * 1000
        let sequence = [
            // Friday's last tick read 15 minutes after the close: −0:15 passes as a step.
            ServerClockSample(utcMs: Self.utc("2026-03-07T00:15:00Z") * 1000, tickMs: closeTick),
            ServerClockSample(utcMs: Self.utc("2026-03-08T22:00:00Z") * 1000, tickMs: (Self.utc("2026-03-08T21:59:58Z") + 10_800) * 1000),
            ServerClockSample(utcMs: Self.utc("2026-03-08T22:15:00Z") * 1000, tickMs: (Self.utc("2026-03-08T22:14:58Z") + 10_800) * 1000),
        ]
        #expect(sequence.map { clock.observe($0) } == [.changed, .pending, .changed])
        #expect(clock.segments == [OffsetSegment(fromUTC: Self.utc("2026-03-08T22:00:00Z"), offsetSeconds: 10_800)])
        #expect(clock.followsNewYork)
        // Friday, before New York's switch, extrapolates to UTC+2.
        #expect(clock.utc(fromBroker: Self.utc("2026-03-06T12:00:00Z")) == Self.utc("2026-03-06T10:00:00Z"))
    }

    @Test("a broker that changes its offset mid-week; one odd reading changes nothing")
    func brokerChangesItsOffset() {
        let change = Self.utc("2026-05-13T09:00:00Z")
        var clock = BrokerClock()
        var samples = Self.samples(from: "2026-05-11T00:00:00Z", to: "2026-05-15T00:00:00Z") { $0 < change ? 7_200 : 0 }
        // An odd reading on Tuesday (a quote stamped an hour ahead): pending, never confirmed.
        let odd = samples.firstIndex { $0.utcMs >= Self.utc("2026-05-12T10:00:00Z") * 1000 }!
        samples[odd].tickMs += 3_600_000
        let observed = samples.map { clock.observe($0) }
        #expect(observed[odd] == .pending)
        #expect(observed.filter { $0 == .changed }.count == 2)
        #expect(clock.segments.map(\.offsetSeconds) == [7_200, 0])
        // Not a one-hour step at a New York switch: dated at its first sample, 09:15.
        #expect(clock.segments.last?.fromUTC == change + 900)
        #expect(!clock.followsNewYork)
        // Not following New York: constant before the first sample.
        #expect(clock.utc(fromBroker: Self.utc("2025-07-01T12:00:00Z")) == Self.utc("2025-07-01T10:00:00Z"))
    }

    @Test("a fixed UTC+0 broker through a New York switch stops following New York")
    func fixedOffset() {
        var clock = BrokerClock()
        let observed = Self.samples(from: "2026-03-05T00:00:00Z", to: "2026-03-10T00:00:00Z", offset: { _ in 0 }).map {
            clock.observe($0)
        }
        #expect(clock.segments.map(\.offsetSeconds) == [0])
        #expect(!clock.followsNewYork)
        // Learning it changes the extrapolated history: the ingest must convert again.
        #expect(observed.filter { $0 == .changed }.count == 2)
        #expect(clock.utc(fromBroker: 1_000_000) == 1_000_000)
    }

    @Test("samples: rounding to 15 minutes, bounds, and the conversion table")
    func samplesAndTable() throws {
        #expect(BrokerClock.sampleOffset(ServerClockSample(utcMs: 0, tickMs: 19_800_000 - 5_000)) == 19_800, "UTC+5:30, 5 s old")
        #expect(BrokerClock.sampleOffset(ServerClockSample(utcMs: 0, tickMs: 7_200_000 - 200_000)) == nil, "200 s old")
        #expect(BrokerClock.sampleOffset(ServerClockSample(utcMs: 0, tickMs: 15 * 3_600_000)) == nil, "beyond UTC+14")
        var clock = BrokerClock()
        #expect(clock.utc(fromBroker: 100) == nil && clock.conversionTable(fromBroker: 0).isEmpty)
        for sample in Self.samples(from: "2026-03-05T12:00:00Z", to: "2026-03-10T12:00:00Z", offset: Self.newYorkBroker) {
            clock.observe(sample)
        }
        // The table converts like utc(fromBroker:) at every hour of two years.
        let table = clock.conversionTable(fromBroker: Self.utc("2025-01-01T00:00:00Z"))
        for broker in stride(from: Self.utc("2025-01-01T00:00:00Z"), to: Self.utc("2026-04-01T00:00:00Z"), by: 3_600) {
            let offset = try #require(table.last { $0.fromBroker <= broker }?.offsetSeconds)
            #expect(broker - offset == clock.utc(fromBroker: broker), "broker \(broker)")
        }
        let decoded = try JSONDecoder().decode(BrokerClock.self, from: JSONEncoder().encode(clock))
        #expect(decoded == clock)
    }
}
