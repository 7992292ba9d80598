import Foundation
import KlaroCore

/// How long rebuilding one account's whole balance curve takes (issue 12): 100,000 deals
/// (a deposit, then positions of an opening and a closing deal) through ``TradeBuilder``
/// (exact money, rounded prices), then ``BalanceCurve`` and its drawdown since inception.
enum BalanceCurveBench {
    static func deals(count: Int) -> [TradeDeal] {
        var deals = [TradeDeal(
            ticket: 1, time: 1_700_000_000, timeMsc: 1_700_000_000_000, type: .balance, entry: .in, positionID: 0,
            volume: 0, price: 0, profit: 100_000, symbol: "")]
        deals.reserveCapacity(count)
        var state: UInt64 = 12
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var ticket: Int64 = 1
        while deals.count < count {
            let position = ticket
            let open = 1_700_000_100 + ticket * 300
            let price = 1.1 + Double(next() % 2_000) / 100_000
            let profit = Double(Int64(next() % 20_001) - 10_000) / 100
            for (offset, type, entry, fill) in [(0, DealType.buy, DealEntry.in, price), (240, .sell, .out, price + 0.0001)] {
                ticket += 1
                deals.append(TradeDeal(
                    ticket: ticket, order: ticket, time: open + Int64(offset), timeMsc: (open + Int64(offset)) * 1000 + 7,
                    type: type, entry: entry, positionID: position, volume: 0.1, price: fill, commission: -0.35,
                    profit: entry == .out ? profit : 0, symbol: "EURUSD"))
            }
        }
        return deals
    }

    /// Prints the median of `runs` rebuilds of a curve of `count` deals.
    static func run(count: Int = 100_000, runs: Int = 5) {
        let deals = deals(count: count)
        var times: [Double] = []
        var summary: BalanceCurveSummary?
        for _ in 0..<runs {
            let started = Date()
            let trades = TradeBuilder.trades(from: deals, digits: ["EURUSD": 5])
            let flows = deals.compactMap(CashFlow.init(deal:))
            summary = BalanceCurveSummary(BalanceCurve(trades: trades, cashFlows: flows), historyComplete: true)
            times.append(Date().timeIntervalSince(started))
        }
        times.sort()
        print("api: whole balance curve of \(deals.count) deals (trades, curve, drawdown since inception): "
              + "median \(String(format: "%.1f", times[times.count / 2] * 1000)) ms over \(runs) runs"
              + " (\(summary?.drawdown?.points ?? 0) points)")
    }
}
