import Foundation
import Testing
import KlaroCore

/// Days, hours, weekdays and months under different time zones and calendar corners.
@Suite struct DayBoundaryTests {
    typealias F = AnalyticsFixture

    private func report(closes: [Int64], timeZone: TimeZone = .gmt) -> AnalyticsReport {
        let trades = closes.enumerated().map {
            F.trade(Int64($0.offset + 1), "EURUSD", .buy, lots: 1, open: $0.element - 60, close: $0.element, profit: 10)
        }
        return AccountAnalytics.report(AnalyticsInput(trades: trades, timeZone: timeZone, startingBalance: 1_000))
    }

    @Test func brokerDaysByDefault() {
        // Mon 23:59:59 on the broker's clock is still Monday, hour 23.
        let report = report(closes: [F.at(0, 23, 59) + 59])
        #expect(report.timeZone == "GMT")
        #expect(report.daily.map(\.date) == ["2024-03-04"])
        #expect(report.breakdown.byHour[23].stats.count == 1)
        #expect(report.breakdown.byWeekday[0].stats.count == 1)  // Monday
    }

    @Test func fixedOffsetZoneMovesDaysAndHours() throws {
        // Mon 23:00 UTC is Tue 01:00 at UTC+2.
        let zone = try #require(TimeZone(secondsFromGMT: 7_200))
        let report = report(closes: [F.at(0, 23)], timeZone: zone)
        #expect(report.daily.map(\.date) == ["2024-03-05"])
        #expect(report.breakdown.byHour[1].stats.count == 1)
        #expect(report.breakdown.byWeekday[1].stats.count == 1)  // Tuesday
    }

    @Test func daylightSavingTransition() throws {
        // New York switched from UTC−5 to UTC−4 on 2024-03-10 at 07:00 UTC.
        let zone = try #require(TimeZone(identifier: "America/New_York"))
        let sunday: Int64 = 1_710_028_800  // 2024-03-10 00:00 UTC
        let closes = [
            sunday + 6 * 3_600 + 1_800,   // 06:30 UTC = 01:30 EST, Sunday 10th
            sunday + 7 * 3_600 + 1_800,   // 07:30 UTC = 03:30 EDT, Sunday 10th
            sunday + 27 * 3_600 + 1_800,  // Mon 03:30 UTC = Sun 23:30 EDT
            sunday + 28 * 3_600 + 1_800,  // Mon 04:30 UTC = Mon 00:30 EDT
        ]
        let report = report(closes: closes, timeZone: zone)
        #expect(report.daily.map(\.date) == ["2024-03-10", "2024-03-11"])
        #expect(report.daily.map(\.trades) == [3, 1])
        let hours = report.breakdown.byHour.map(\.stats.count)
        #expect(hours[1] == 1 && hours[3] == 1 && hours[23] == 1 && hours[0] == 1)
        #expect(report.breakdown.byWeekday[6].stats.count == 3)  // Sunday
    }

    @Test func leapDayAndMonths() {
        let feb28: Int64 = 1_709_078_400  // 2024-02-28 00:00
        let report = report(closes: [feb28 + 3_600, feb28 + 2 * 86_400 + 3_600])
        #expect(report.daily.map(\.date) == ["2024-02-28", "2024-02-29", "2024-03-01"])
        #expect(report.monthly.map(\.month) == ["2024-02", "2024-03"])
        #expect(report.monthly.map(\.trades) == [1, 1])
    }

    @Test func yearBoundaryAndEpoch() {
        let newYearsEve: Int64 = 1_704_067_200 - 3_600  // 2023-12-31 23:00
        let report = report(closes: [newYearsEve, newYearsEve + 7_200])
        #expect(report.daily.map(\.date) == ["2023-12-31", "2024-01-01"])
        #expect(report.monthly.map(\.month) == ["2023-12", "2024-01"])
        // 1970-01-01 was a Thursday (ISO 4).
        let epoch = self.report(closes: [3_600])
        #expect(epoch.daily.map(\.date) == ["1970-01-01"])
        #expect(epoch.breakdown.byWeekday[3].stats.count == 1)
    }
}
