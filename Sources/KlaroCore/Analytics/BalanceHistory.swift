import Foundation

/// The balance curve rebuilt from a starting balance, closed trades and cash flows, with its
/// time-weighted returns per day and month.
///
/// Every result (a trade's net profit at its close, or a non-external operation) is a
/// sub-period return `x ÷ B` on the balance `B` just before it; external flows change `B`
/// without a return. Chaining them telescopes to Myfxbook's gain, `Π (1 + P_k ÷ B_k) − 1` over
/// the periods between cash flows. A result on a balance `B ≤ 0`, or one losing more than
/// `B`, has no defined return: its day and everything chained through it become nil.
struct BalanceHistory: Sendable {
    var startingBalance: Double
    var startingBalanceSource: StartingBalanceSource
    var endingBalance: Double
    /// External flows through the balance: positive ones and the magnitude of negative ones.
    var deposits = 0.0
    var withdrawals = 0.0
    /// Net credit given (credit does not move the balance).
    var credit = 0.0
    /// Non-external operations (charges, interest, commissions booked as deals…).
    var adjustments = 0.0
    var days: [DailyPoint] = []
    var months: [MonthlyPoint] = []
    /// The time-weighted return of the whole span; nil without days or if undefined.
    var gain: Double?
    /// Each trade's result on the balance just before it (AHPR, GHPR).
    var holdingPeriods = HoldingPeriodReturns()

    /// Builds the history of trades sorted by close time, flows and snapshots sorted by time,
    /// all inside the range.
    init(
        trades: [Trade], flows: [CashFlow], snapshots: [EquitySnapshot],
        startingBalance given: Double?, givenSource: StartingBalanceSource = .given, calendar: DayCalendar
    ) {
        let events = Self.events(trades: trades, flows: flows)
        (startingBalance, startingBalanceSource) = Self.startingBalance(given, givenSource, events: events, snapshots: snapshots)
        credit = flows.lazy.filter { !$0.kind.movesBalance }.reduce(0) { $0 + $1.amount }

        let times = events.lazy.map(\.time) + snapshots.lazy.map(\.time)
        guard let firstTime = times.min(), let lastTime = times.max() else {
            endingBalance = startingBalance
            return
        }
        let firstDay = calendar.day(of: firstTime)
        var sums = Array(repeating: DaySums(), count: Int(calendar.day(of: lastTime) - firstDay) + 1)
        var balance = startingBalance
        for event in events {
            let slot = Int(calendar.day(of: event.time) - firstDay)
            if event.isExternal {
                if event.amount >= 0 { deposits += event.amount } else { withdrawals -= event.amount }
                sums[slot].cashFlow += event.amount
            } else {
                if event.amount != 0 {
                    let growth = balance > 0 ? 1 + event.amount / balance : -1
                    if growth >= 0 { sums[slot].factor *= growth } else { sums[slot].defined = false }
                }
                sums[slot].netProfit += event.amount
                if event.isTrade {
                    sums[slot].trades += 1
                    holdingPeriods.add(result: event.amount, balance: balance)
                } else {
                    adjustments += event.amount
                }
            }
            balance += event.amount
            sums[slot].balance = balance
        }
        endingBalance = balance
        for snapshot in snapshots {
            sums[Int(calendar.day(of: snapshot.time) - firstDay)].equity = snapshot.equity
        }
        days = Self.dailyPoints(sums, firstDay: firstDay, startingBalance: startingBalance)
        months = Self.monthlyPoints(days: days, sums: sums, firstDay: firstDay)
        gain = days.last?.cumulativeGain
    }

    // MARK: - Events

    /// A change of the balance: a trade's result, or a cash flow that moves the balance.
    private struct Event {
        var time: Int64
        var timeMsc: Int64
        /// Same-millisecond order: external flows, then other operations, then trades.
        var rank: Int
        var amount: Double
        var isExternal: Bool
        var isTrade: Bool
    }

    private static func events(trades: [Trade], flows: [CashFlow]) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(trades.count + flows.count)
        for flow in flows where flow.kind.movesBalance {
            events.append(Event(
                time: flow.time, timeMsc: flow.timeMsc, rank: flow.kind.isExternal ? 0 : 1,
                amount: flow.amount, isExternal: flow.kind.isExternal, isTrade: false
            ))
        }
        for trade in trades {
            events.append(Event(
                time: trade.timeClose ?? trade.time, timeMsc: trade.analyticsCloseMsc, rank: 2,
                amount: trade.analyticsNetProfit, isExternal: false, isTrade: true
            ))
        }
        // Stable for equal keys: flows keep their input order, trades their close order.
        return events.enumerated().sorted {
            ($0.element.timeMsc, $0.element.rank, $0.offset) < ($1.element.timeMsc, $1.element.rank, $1.offset)
        }.map(\.element)
    }

    private static func startingBalance(
        _ given: Double?, _ givenSource: StartingBalanceSource, events: [Event], snapshots: [EquitySnapshot]
    ) -> (Double, StartingBalanceSource) {
        if let given, given.isFinite { return (given, givenSource) }
        guard let first = snapshots.first else { return (0, .assumedZero) }
        let before = events.lazy.filter { $0.time <= first.time }.reduce(0) { $0 + $1.amount }
        return (first.balance - before, .firstSnapshot)
    }

    // MARK: - Series

    /// What happened on one day.
    private struct DaySums {
        var factor = 1.0
        var defined = true
        var netProfit = 0.0
        var cashFlow = 0.0
        var trades = 0
        /// Balance after the day's last event; nil on a day without events.
        var balance: Double?
        var equity: Double?
    }

    private static func dailyPoints(_ sums: [DaySums], firstDay: Int64, startingBalance: Double) -> [DailyPoint] {
        var points: [DailyPoint] = []
        points.reserveCapacity(sums.count)
        var cumulative: Double? = 1
        var balance = startingBalance
        for (offset, day) in sums.enumerated() {
            let gain = day.defined ? day.factor - 1 : nil
            cumulative = day.defined ? cumulative.map { $0 * day.factor } : nil
            balance = day.balance ?? balance
            points.append(DailyPoint(
                date: CivilDate(daysSinceEpoch: firstDay + Int64(offset)).dayString,
                gain: gain, cumulativeGain: cumulative.map { $0 - 1 },
                netProfit: day.netProfit, cashFlow: day.cashFlow, trades: day.trades,
                balance: balance, equity: day.equity
            ))
        }
        return points
    }

    private static func monthlyPoints(days: [DailyPoint], sums: [DaySums], firstDay: Int64) -> [MonthlyPoint] {
        var months: [MonthlyPoint] = []
        var factor: Double? = 1
        for (offset, day) in days.enumerated() {
            let date = CivilDate(daysSinceEpoch: firstDay + Int64(offset))
            if months.last?.month != date.monthString {
                if let last = months.indices.last { months[last].gain = factor.map { $0 - 1 } }
                months.append(MonthlyPoint(month: date.monthString, gain: nil, netProfit: 0, cashFlow: 0, trades: 0))
                factor = 1
            }
            factor = sums[offset].defined ? factor.map { $0 * sums[offset].factor } : nil
            months[months.count - 1].netProfit += day.netProfit
            months[months.count - 1].cashFlow += day.cashFlow
            months[months.count - 1].trades += day.trades
        }
        if let last = months.indices.last { months[last].gain = factor.map { $0 - 1 } }
        return months
    }
}
