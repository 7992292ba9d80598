import Foundation

/// Totals and breakdowns of closed trades in one pass.
struct TradeAnalysis: Sendable {
    var totals: TradeStats
    var breakdown: TradeBreakdown

    /// Analyses trades already filtered to the range and sorted by close time.
    init(sortedTrades trades: [Trade], calendar: DayCalendar, symbols: [String: SymbolSpec] = [:]) {
        var total = TradeStatsAccumulator()
        var bySymbol: [String: TradeStatsAccumulator] = [:]
        var byMagic: [Int64: TradeStatsAccumulator] = [:]
        var byHour = Array(repeating: TradeStatsAccumulator(), count: 24)
        var byWeekday = Array(repeating: TradeStatsAccumulator(), count: 7)
        for trade in trades {
            let close = trade.timeClose ?? trade.time
            let day = calendar.day(of: close)
            let pip = symbols[trade.symbol]?.pipSize
            total.add(trade, day: day, pipSize: pip)
            bySymbol[trade.symbol, default: TradeStatsAccumulator()].add(trade, day: day, pipSize: pip)
            byMagic[trade.magic, default: TradeStatsAccumulator()].add(trade, day: day, pipSize: pip)
            byHour[calendar.hour(of: close)].add(trade, day: day, pipSize: pip)
            byWeekday[DayCalendar.isoWeekday(ofDay: day) - 1].add(trade, day: day, pipSize: pip)
        }
        totals = total.stats
        breakdown = TradeBreakdown(
            bySymbol: bySymbol.sorted { $0.key < $1.key }.map { TradeGroup(key: $0.key, stats: $0.value.stats) },
            byMagic: byMagic.sorted { $0.key < $1.key }.map { TradeGroup(key: $0.key, stats: $0.value.stats) },
            byHour: byHour.enumerated().map { TradeGroup(key: $0.offset, stats: $0.element.stats) },
            byWeekday: byWeekday.enumerated().map { TradeGroup(key: $0.offset + 1, stats: $0.element.stats) }
        )
    }

    /// The trades that take part in analytics, in close-time order (ties by ticket).
    ///
    /// Sorts small keys rather than the (large) trades, and skips sorting input that is already
    /// in order, as rows loaded `ORDER BY time_close` are.
    static func analysableTrades(_ trades: [Trade], in range: AnalyticsRange) -> [Trade] {
        var keys: [SortKey] = []
        keys.reserveCapacity(trades.count)
        for (index, trade) in trades.enumerated() where trade.isAnalysable(in: range) {
            keys.append(SortKey(closeMsc: trade.analyticsCloseMsc, ticket: trade.positionID, index: index))
        }
        let inOrder = zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 }
        if inOrder, keys.count == trades.count { return trades }  // shares storage, no copy
        if !inOrder { keys.sort() }
        return keys.map { trades[$0.index] }
    }

    private struct SortKey: Comparable {
        var closeMsc: Int64
        var ticket: Int64
        var index: Int

        static func < (a: SortKey, b: SortKey) -> Bool {
            (a.closeMsc, a.ticket, a.index) < (b.closeMsc, b.ticket, b.index)
        }
    }
}
