import Foundation

/// Sums per-account curves into one curve per currency, carrying each account's last value
/// forward over buckets where it has no snapshot (accounts sync at different moments).
enum CurveAggregator {
    struct Series: Sendable {
        /// Lowercase id, as the API writes it.
        let accountID: String
        let currency: String
        let points: [DashboardSummary.Point]
    }

    static func totals(_ series: [Series]) -> [DashboardSummary.TotalCurve] {
        let byCurrency = Dictionary(grouping: series.filter { !$0.points.isEmpty }, by: \.currency)
        return byCurrency.keys.sorted().map { currency in
            let members = byCurrency[currency]!
            let times = Set(members.flatMap { $0.points.map(\.t) }).sorted()
            var cursors = [Int](repeating: 0, count: members.count)
            var last = [DashboardSummary.Point?](repeating: nil, count: members.count)
            var points: [DashboardSummary.Point] = []
            points.reserveCapacity(times.count)
            for time in times {
                for index in members.indices {
                    let memberPoints = members[index].points
                    while cursors[index] < memberPoints.count, memberPoints[cursors[index]].t <= time {
                        last[index] = memberPoints[cursors[index]]
                        cursors[index] += 1
                    }
                }
                let present = last.compactMap { $0 }
                points.append(.init(t: time, balance: present.reduce(0) { $0 + $1.balance }, equity: present.reduce(0) { $0 + $1.equity }))
            }
            return DashboardSummary.TotalCurve(currency: currency, points: points)
        }
    }
}
