import Foundation

/// The balance rebuilt from an account's deal history: an opening balance, then each closed
/// trade's net result at its close and each balance-moving cash flow at its time (credit
/// does not move the balance). Balance at any instant = the opening balance + the events up
/// to it; with the whole history the opening balance is 0 (before the first deposit).
///
/// Same-millisecond order is the report's: external flows, then other operations, then trades.
public struct BalanceCurve: Sendable {
    /// One balance change.
    struct Event: Sendable {
        var time: Int64
        var timeMsc: Int64
        var rank: Int
        var amount: Double
        var isExternal: Bool
    }

    /// The balance before the first event.
    public let openingBalance: Double
    let events: [Event]

    /// Builds the curve; open trades and non-finite records are skipped.
    /// - Parameters:
    ///   - openingBalance: the balance before the first event (0 for the whole history).
    ///   - trades: closed trades, any order.
    ///   - cashFlows: non-trading operations, any order.
    public init(openingBalance: Double = 0, trades: [Trade], cashFlows: [CashFlow]) {
        self.openingBalance = openingBalance
        var events: [Event] = []
        events.reserveCapacity(trades.count + cashFlows.count)
        for flow in cashFlows where flow.kind.movesBalance && flow.amount.isFinite {
            let external = flow.kind.isExternal
            events.append(Event(time: flow.time, timeMsc: flow.timeMsc, rank: external ? 0 : 1, amount: flow.amount, isExternal: external))
        }
        for trade in trades where trade.isClosed && trade.analyticsNetProfit.isFinite {
            events.append(Event(
                time: trade.timeClose ?? trade.time, timeMsc: trade.analyticsCloseMsc, rank: 2,
                amount: trade.analyticsNetProfit, isExternal: false))
        }
        self.events = Self.sorted(events)
    }

    /// The curve of several accounts together: opening balances added, events merged.
    public init(merging curves: [BalanceCurve]) {
        openingBalance = MoneySum(curves.map(\.openingBalance)).value
        events = curves.count == 1 ? curves[0].events : Self.sorted(curves.flatMap(\.events))
    }

    /// Stable for equal keys: flows keep their input order, trades theirs.
    private static func sorted(_ events: [Event]) -> [Event] {
        events.enumerated().sorted {
            ($0.element.timeMsc, $0.element.rank, $0.offset) < ($1.element.timeMsc, $1.element.rank, $1.offset)
        }.map(\.element)
    }

    /// The balance just before `time` (events strictly earlier count).
    public func balance(before time: Int64) -> Double {
        var sum = MoneySum()
        sum.add(openingBalance)
        for event in events where event.time < time { sum.add(event.amount) }
        return sum.value
    }

    /// The drawdowns of the balance after every event, neutral to external flows
    /// (``DrawdownReport``), with the recovery of each window; nil without events.
    public func drawdown() -> DrawdownReport? {
        var balance = openingBalance
        var points: [TimedValue] = [], flows: [TimedValue] = []
        points.reserveCapacity(events.count)
        if let first = events.first, openingBalance != 0 {
            points.append(TimedValue(time: first.time - 1, value: openingBalance))
        }
        for event in events {
            balance += event.amount
            if event.isExternal { flows.append(TimedValue(time: event.time, value: event.amount)) }
            // One point per instant: the balance after the instant's last event.
            if points.last?.time == event.time {
                points[points.count - 1].value = balance
            } else {
                points.append(TimedValue(time: event.time, value: balance))
            }
        }
        return DrawdownCalculator.report(points: points, flows: flows)
    }

    /// The highest balance the curve reached and when (the first time, after that instant's
    /// events); nil without events.
    public func highestBalance() -> (balance: Double, time: Int64)? {
        var balance = openingBalance
        var best: (balance: Double, time: Int64)?
        for event in events {
            balance += event.amount
            if best.map({ balance > $0.balance }) ?? true { best = (balance, event.time) }
        }
        return best
    }
}

/// The rebuilt balance curve's answer: its drawdown since the first event shown, and its
/// highest balance (docs/analytics.md, "Since inception").
public struct BalanceCurveSummary: Codable, Sendable, Equatable {
    /// Where the curve comes from: always `deals` (snapshots give `equity_drawdown`).
    public var source: String
    /// True when the whole deal history is stored, so the curve starts at the first deposit;
    /// false when it starts at an opening balance taken from incomplete history.
    public var historyComplete: Bool
    /// The first event's time; nil without events.
    public var since: Int64?
    public var openingBalance: Double
    public var drawdown: DrawdownReport?
    public var highestBalance: Double?
    public var highestBalanceTime: Int64?

    /// Summarises `curve`.
    public init(_ curve: BalanceCurve, historyComplete: Bool) {
        source = "deals"
        self.historyComplete = historyComplete
        since = curve.events.first?.time
        openingBalance = curve.openingBalance
        drawdown = curve.drawdown()
        let highest = curve.highestBalance()
        highestBalance = highest?.balance
        highestBalanceTime = highest?.time
    }

    enum CodingKeys: String, CodingKey {
        case source
        case historyComplete = "history_complete"
        case since
        case openingBalance = "opening_balance"
        case drawdown
        case highestBalance = "highest_balance"
        case highestBalanceTime = "highest_balance_time"
    }
}
