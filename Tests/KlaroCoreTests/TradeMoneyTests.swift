import Foundation
import KlaroCore
import Testing

/// Exact money sums and rounded prices in rebuilt trades (issue 15 "money sums carry
/// binary-float noise", issue 12 "prices rebuilt from deals carry float noise").
@Suite struct TradeMoneyTests {
    private func deal(
        _ ticket: Int64, _ entry: DealEntry, _ type: DealType = .buy, volume: Double = 1, price: Double,
        profit: Double = 0, commission: Double = 0, swap: Double = 0, fee: Double = 0, symbol: String = "GBPUSD"
    ) -> TradeDeal {
        TradeDeal(
            ticket: ticket, order: ticket, time: ticket, timeMsc: ticket * 1000, type: type, entry: entry, magic: 0,
            positionID: 9, volume: volume, price: price, commission: commission, swap: swap, profit: profit, fee: fee,
            symbol: symbol, comment: "")
    }

    @Test("-31.87 + -26.64 is -58.51, not -58.510000000000005")
    func moneyIsSummedExactly() throws {
        #expect(-31.87 + -26.64 != -58.51, "the binary sum this guards against")
        #expect(MoneySum([-31.87, -26.64]).value == -58.51)
        #expect(MoneySum([0.1, 0.2]).value == 0.3)
        #expect(MoneySum([-0.35, -0.35, -0.35]).value.description == "-1.05")
        #expect(MoneySum([]).value == 0)
        // Above 2^53 units (90 million) the value is still the nearest double to the decimal.
        #expect(MoneySum([123_456_789.12, 0.01]).value == 123_456_789.13)
        #expect(MoneySum([-123_456_789.12, -0.01]).value == -123_456_789.13)
        #expect(MoneySum([-0.5, 0.25]).value == -0.25)
        // Amounts beyond the exact range fall back to binary addition instead of trapping.
        #expect(MoneySum([1e12, 1]).value == 1e12 + 1)
        #expect(MoneySum([.nan]).value.isNaN)

        let trade = try #require(TradeBuilder.trades(from: [
            deal(1, .in, price: 1.27805, commission: -3.1),
            deal(2, .out, .sell, price: 1.27827, profit: -31.87, commission: -3.1, swap: -0.1),
            deal(3, .out, .sell, volume: 0, price: 1.27827, profit: -26.64, swap: -0.2),
        ]).first)
        #expect(trade.profit == -58.51)
        #expect(trade.commission == -6.2)
        #expect(trade.swap.description == "-0.3")
    }

    @Test("every trade's money equals the exact decimal sum of its deals")
    func everyTradeEqualsTheSumOfItsDeals() {
        var generator = SplitMix(seed: 15)
        for position in 1...2_000 {
            let count = Int(generator.next() % 4) + 2
            var deals: [TradeDeal] = []
            var cents = (profit: Int64(0), commission: Int64(0), swap: Int64(0))
            for index in 0..<count {
                let profit = Int64(generator.next() % 20_001) - 10_000
                let commission = -Int64(generator.next() % 1_000)
                let swap = Int64(generator.next() % 200) - 100
                cents.profit += profit
                cents.commission += commission
                cents.swap += swap
                var next = deal(
                    Int64(position * 10 + index), index == 0 ? .in : .out, index == 0 ? .buy : .sell,
                    volume: index == 0 ? 1 : (index == count - 1 ? 1 : 0), price: 1.1,
                    profit: Double(profit) / 100, commission: Double(commission) / 100, swap: Double(swap) / 100)
                next.positionID = Int64(position)
                deals.append(next)
            }
            guard let trade = TradeBuilder.trades(from: deals).first else {
                Issue.record("position \(position) built no trade")
                continue
            }
            // Integer cents ÷ 100 rounds once, correctly: the double nearest the exact sum.
            func exact(_ cents: Int64) -> Double { Double(cents) / 100 }
            #expect(trade.profit == exact(cents.profit), "position \(position)")
            #expect(trade.commission == exact(cents.commission), "position \(position)")
            #expect(trade.swap == exact(cents.swap), "position \(position)")
        }
    }

    @Test("rebuilt prices are rounded to the symbol's digits, or to 8 decimals when unknown")
    func pricesAreRounded() throws {
        let deals = [
            deal(1, .in, volume: 0.5, price: 1.27805), deal(2, .in, volume: 0.5, price: 1.27827),
            deal(3, .out, .sell, volume: 0.3, price: 1.2791), deal(4, .out, .sell, volume: 0.7, price: 1.27917),
        ]
        let binaryAverage: Double = 0.3 * 1.2791 + 0.7 * 1.27917
        #expect(binaryAverage != 1.279149, "the binary average this guards against (1.2791489999999999)")
        // Digits unknown: 8 decimals, the exact average (0.3 × 1.2791 + 0.7 × 1.27917 = 1.279149).
        let unknown = try #require(TradeBuilder.trades(from: deals).first)
        #expect(unknown.priceOpen == 1.27816)
        #expect(unknown.priceClose == 1.279149)
        // The symbol's 5 digits: 1.27915.
        let five = try #require(TradeBuilder.trades(from: deals, digits: ["GBPUSD": 5]).first)
        #expect(five.priceOpen == 1.27816 && five.priceClose == 1.27915)
        let given = try #require(TradeBuilder.trades(from: deals, digits: ["GBPUSD": 3]).first)
        #expect(given.priceOpen == 1.278 && given.priceClose == 1.279)
        #expect(PriceRounding.decimals(of: 1.27805) == 5)
        #expect(PriceRounding.decimals(of: 2_345.1) == 1)
        #expect(PriceRounding.decimals(of: 150) == 0)
        #expect(PriceRounding.round(1.2781599999999998, digits: 5).description == "1.27816")
        #expect(PriceRounding.round(157.123456, digits: 3) == 157.123)
    }
}

/// A small deterministic generator (SplitMix64) for property-style cases.
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
