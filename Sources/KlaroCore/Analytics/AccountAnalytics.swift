import Foundation

/// Trading analytics of one account: pure functions over trades, cash flows and snapshots.
///
/// Runs in O(n log n) for n records (one sort of each input, then single passes), so a year
/// of an active account (20,000 trades, 35,000 snapshots) takes milliseconds.
public enum AccountAnalytics {
    /// The full report of `input` (see ``AnalyticsReport`` and `docs/analytics.md`).
    ///
    /// Records outside the range, open trades, and records with non-finite numbers are ignored.
    public static func report(_ input: AnalyticsInput) -> AnalyticsReport {
        let range = input.range
        let trades = TradeAnalysis.analysableTrades(input.trades, in: range)
        let flows = input.cashFlows.enumerated()
            .filter { range.contains($0.element.time) && $0.element.amount.isFinite }
            .sorted { ($0.element.timeMsc, $0.offset) < ($1.element.timeMsc, $1.offset) }
            .map(\.element)
        let snapshots = input.snapshots.enumerated()
            .filter { range.contains($0.element.time) && $0.element.balance.isFinite && $0.element.equity.isFinite }
            .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            .map(\.element)

        let calendar = calendar(input.timeZone, input.dayOffsets, trades: trades, flows: flows, snapshots: snapshots)
        let tradeAnalysis = TradeAnalysis(sortedTrades: trades, calendar: calendar, symbols: input.symbols)
        let history = BalanceHistory(
            trades: trades, flows: flows, snapshots: snapshots,
            startingBalance: input.startingBalance, givenSource: input.startingBalanceSource, calendar: calendar
        )
        let netDeposits = history.startingBalance + history.deposits - history.withdrawals
        let netProfit = tradeAnalysis.totals.netProfit + history.adjustments
        let dailyGains = history.days.map(\.gain)
        let curve = BalanceCurve(openingBalance: history.startingBalance, trades: trades, cashFlows: flows)

        return AnalyticsReport(
            range: range,
            timeZone: input.dayOffsets == nil ? input.timeZone.identifier : "broker",
            firstDay: history.days.first?.date,
            lastDay: history.days.last?.date,
            startingBalance: history.startingBalance,
            startingBalanceSource: history.startingBalanceSource,
            endingBalance: history.endingBalance,
            deposits: history.deposits,
            withdrawals: history.withdrawals,
            credit: history.credit,
            netDeposits: netDeposits,
            netProfit: netProfit,
            tradeNetProfit: tradeAnalysis.totals.netProfit,
            adjustments: history.adjustments,
            gain: history.gain,
            absoluteGain: netDeposits > 0 ? TradeStatsAccumulator.ratio(netProfit, netDeposits) : nil,
            sharpeRatio: RiskRatios.sharpe(dailyGains),
            sortinoRatio: RiskRatios.sortino(dailyGains),
            measures: ReturnMeasures.of(
                dailyGains: dailyGains, gain: history.gain, netProfit: netProfit, curve: curve, hpr: history.holdingPeriods),
            trades: tradeAnalysis.totals,
            breakdown: tradeAnalysis.breakdown,
            balanceDrawdown: drawdown(
                snapshots.map { TimedValue(time: $0.time, value: $0.balance) },
                flows: flows.filter { $0.kind.isExternal && $0.kind.movesBalance }
            ),
            equityDrawdown: drawdown(
                snapshots.map { TimedValue(time: $0.time, value: $0.equity) },
                flows: flows.filter { $0.kind.isExternal }
            ),
            daily: history.days,
            monthly: history.months
        )
    }

    /// Measures of closed trades alone (open trades, and trades with non-finite money, are
    /// skipped; trades with no close time in `range` too).
    /// - Parameters:
    ///   - trades: the trades; only closed ones in `range` count.
    ///   - range: the close times to include.
    ///   - timeZone: the zone of trading days (GMT: the broker's wall clock), unless
    ///   - dayOffsets: the broker's learned offsets are given (times then are UTC).
    ///   - symbols: digits and point of the symbols, for pips.
    public static func tradeStatistics(
        of trades: [Trade], range: AnalyticsRange = .all, timeZone: TimeZone = .gmt,
        dayOffsets: [OffsetSegment]? = nil, symbols: [String: SymbolSpec] = [:]
    ) -> TradeStats {
        let trades = TradeAnalysis.analysableTrades(trades, in: range)
        let calendar = calendar(timeZone, dayOffsets, trades: trades, flows: [], snapshots: [])
        return TradeAnalysis(sortedTrades: trades, calendar: calendar, symbols: symbols).totals
    }

    /// Breakdowns of closed trades by symbol, magic, close hour and close weekday.
    /// - Parameters:
    ///   - trades: the trades; only closed ones in `range` count.
    ///   - range: the close times to include.
    ///   - timeZone: the zone of hours and weekdays (GMT: the broker's wall clock), unless
    ///   - dayOffsets: the broker's learned offsets are given (times then are UTC).
    ///   - symbols: digits and point of the symbols, for pips.
    public static func breakdown(
        of trades: [Trade], range: AnalyticsRange = .all, timeZone: TimeZone = .gmt,
        dayOffsets: [OffsetSegment]? = nil, symbols: [String: SymbolSpec] = [:]
    ) -> TradeBreakdown {
        let trades = TradeAnalysis.analysableTrades(trades, in: range)
        let calendar = calendar(timeZone, dayOffsets, trades: trades, flows: [], snapshots: [])
        return TradeAnalysis(sortedTrades: trades, calendar: calendar, symbols: symbols).breakdown
    }

    // MARK: - Parts

    private static func calendar(
        _ timeZone: TimeZone, _ dayOffsets: [OffsetSegment]?, trades: [Trade], flows: [CashFlow], snapshots: [EquitySnapshot]
    ) -> DayCalendar {
        if let dayOffsets { return DayCalendar(segments: dayOffsets) }
        // Inputs are sorted, so the ends of each hold the extremes.
        let ends = [
            trades.first?.timeClose, trades.last?.timeClose, flows.first?.time, flows.last?.time,
            snapshots.first?.time, snapshots.last?.time,
        ].compactMap { $0 }
        let lower = (ends.min() ?? 0) - DayCalendar.secondsPerDay
        let upper = (ends.max() ?? 0) + DayCalendar.secondsPerDay
        return DayCalendar(timeZone: timeZone, lower: lower, upper: upper)
    }

    private static func drawdown(_ points: [TimedValue], flows: [CashFlow]) -> DrawdownReport? {
        DrawdownCalculator.report(points: points, flows: flows.map { TimedValue(time: $0.time, value: $0.amount) })
    }
}
