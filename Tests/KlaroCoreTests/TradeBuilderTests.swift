import Foundation
import Testing
import KlaroCore

/// A deal with the fields trade building reads; `time` in seconds, `time_msc` derived.
private func deal(
    _ ticket: Int64, position: Int64, at time: Int64, _ type: DealType, _ entry: DealEntry,
    volume: Double, price: Double, profit: Double = 0, commission: Double = 0, swap: Double = 0,
    fee: Double = 0, symbol: String = "EURUSD", magic: Int64 = 0, comment: String = ""
) -> TradeDeal {
    TradeDeal(
        ticket: ticket, order: ticket + 1000, time: time, timeMsc: time * 1000 + 1, type: type, entry: entry,
        magic: magic, positionID: position, volume: volume, price: price, commission: commission,
        swap: swap, profit: profit, fee: fee, symbol: symbol, comment: comment
    )
}

private func approx(_ a: Double, _ b: Double) -> Bool { abs(a - b) < 1e-9 }

@Suite struct TradeBuilderTests {
    @Test func simpleRoundTrip() throws {
        let deals = [
            deal(1, position: 500, at: 100, .buy, .in, volume: 1.0, price: 1.1000, commission: -3.5,
                 magic: 42, comment: "open"),
            deal(2, position: 500, at: 200, .sell, .out, volume: 1.0, price: 1.1050, profit: 500,
                 commission: -3.5, swap: -1.2, comment: "tp"),
        ]
        let trades = TradeBuilder.trades(from: deals)
        let trade = try #require(trades.first)
        #expect(trades.count == 1)
        #expect(trade.positionID == 500)
        #expect(trade.symbol == "EURUSD")
        #expect(trade.type == .buy)
        #expect(trade.volume == 1.0)
        #expect(approx(trade.priceOpen, 1.1))
        #expect(approx(trade.priceClose, 1.105))
        #expect(approx(trade.profit, 500))
        #expect(approx(trade.commission, -7))
        #expect(approx(trade.swap, -1.2))
        #expect(trade.fee == 0)
        #expect(trade.magic == 42)
        #expect(trade.comment == "open")
        #expect(trade.time == 100 && trade.timeMsc == 100_001)
        #expect(trade.timeClose == 200 && trade.timeCloseMsc == 200_001)
        #expect(trade.isClosed)
        #expect(trade.closedVolume == 1.0)
        #expect(trade.openVolume == 0)
        #expect(trade.dealCount == 2)
    }

    @Test func partialClosesCloseTheTradeOnlyAtTheEnd() throws {
        let open = deal(10, position: 7, at: 10, .sell, .in, volume: 1.0, price: 1.2000)
        let first = deal(11, position: 7, at: 20, .buy, .out, volume: 0.4, price: 1.1900, profit: 400)
        let second = deal(12, position: 7, at: 30, .buy, .out, volume: 0.6, price: 1.1800, profit: 1200)

        let partial = try #require(TradeBuilder.trades(from: [open, first]).first)
        #expect(partial.type == .sell)
        #expect(!partial.isClosed)
        #expect(partial.closedVolume == 0.4)
        #expect(partial.openVolume == 0.6)
        #expect(partial.timeClose == 20)
        #expect(approx(partial.priceClose, 1.19))

        let full = try #require(TradeBuilder.trades(from: [open, first, second]).first)
        #expect(full.isClosed)
        #expect(full.volume == 1.0 && full.closedVolume == 1.0)
        #expect(approx(full.priceClose, (0.4 * 1.19 + 0.6 * 1.18) / 1.0))
        #expect(approx(full.priceClose, 1.184))
        #expect(approx(full.profit, 1600))
        #expect(full.timeClose == 30)
        #expect(full.dealCount == 3)
    }

    @Test func floatingPointLotsCompareWithTolerance() throws {
        // 0.1 + 0.2 != 0.3 in binary floating point; the trade must still count as closed.
        let deals = [
            deal(1, position: 1, at: 1, .buy, .in, volume: 0.3, price: 100),
            deal(2, position: 1, at: 2, .sell, .out, volume: 0.1, price: 101),
            deal(3, position: 1, at: 3, .sell, .out, volume: 0.2, price: 102),
        ]
        let trade = try #require(TradeBuilder.trades(from: deals).first)
        #expect(trade.isClosed)
        #expect(trade.closedVolume == 0.3)
    }

    @Test func scaleInWeighsOpeningPrices() throws {
        let deals = [
            deal(1, position: 9, at: 1, .buy, .in, volume: 1.0, price: 1.1000, comment: "first"),
            deal(2, position: 9, at: 2, .buy, .in, volume: 0.5, price: 1.1030, comment: "add"),
            deal(3, position: 9, at: 3, .sell, .out, volume: 1.5, price: 1.1100, profit: 1350),
        ]
        let trade = try #require(TradeBuilder.trades(from: deals).first)
        #expect(trade.volume == 1.5)
        #expect(approx(trade.priceOpen, 1.101))
        #expect(approx(trade.priceClose, 1.11))
        #expect(trade.comment == "first")
        #expect(trade.time == 1)
        #expect(trade.isClosed)
    }

    @Test func reversalThroughAnInOutDeal() throws {
        // Netting: long 1.0, then a 3.0 sell closes it and opens a 2.0 short, later bought back.
        let open = deal(1, position: 500, at: 1, .buy, .in, volume: 1.0, price: 1.1000)
        let reverse = deal(2, position: 500, at: 2, .sell, .inout, volume: 3.0, price: 1.1050, profit: 500)
        let close = deal(3, position: 500, at: 3, .buy, .out, volume: 2.0, price: 1.1020, profit: 600)

        let reversed = try #require(TradeBuilder.trades(from: [open, reverse], digits: ["EURUSD": 5]).first)
        let unknownDigits = try #require(TradeBuilder.trades(from: [open, reverse]).first)
        #expect(unknownDigits.priceOpen == 1.10333333, "8 decimals when the digits are unknown")
        #expect(reversed.type == .buy)
        #expect(reversed.volume == 3.0)
        #expect(reversed.closedVolume == 1.0)
        #expect(!reversed.isClosed)
        #expect(reversed.timeClose == 2)
        // (1.1 + 2 × 1.105) ÷ 3 = 1.103333…, rounded to the symbol's 5 digits.
        #expect(reversed.priceOpen == 1.10333)
        #expect(approx(reversed.priceClose, 1.105))

        let done = try #require(TradeBuilder.trades(from: [open, reverse, close]).first)
        #expect(done.isClosed)
        #expect(done.closedVolume == 3.0)
        #expect(approx(done.priceClose, (1.0 * 1.105 + 2.0 * 1.102) / 3.0))
        #expect(approx(done.profit, 1100))
        #expect(done.timeClose == 3)
        #expect(done.dealCount == 3)
    }

    @Test func closeByClosesBothPositions() throws {
        let deals = [
            deal(1, position: 1, at: 1, .buy, .in, volume: 1.0, price: 1.10),
            deal(2, position: 2, at: 2, .sell, .in, volume: 0.4, price: 1.12),
            deal(3, position: 1, at: 3, .sell, .outBy, volume: 0.4, price: 1.12, profit: 80),
            deal(4, position: 2, at: 3, .buy, .outBy, volume: 0.4, price: 1.10, profit: 0),
        ]
        let trades = TradeBuilder.trades(from: deals)
        #expect(trades.map(\.positionID) == [1, 2])
        let long = trades[0]
        let short = trades[1]
        #expect(long.type == .buy && !long.isClosed && long.closedVolume == 0.4 && long.openVolume == 0.6)
        #expect(approx(long.priceClose, 1.12) && long.timeClose == 3 && approx(long.profit, 80))
        #expect(short.type == .sell && short.isClosed && approx(short.priceClose, 1.10))
    }

    @Test func costsAreSummedOverEveryDeal() throws {
        let deals = [
            deal(1, position: 3, at: 1, .buy, .in, volume: 0.5, price: 10, commission: -1, fee: -0.25),
            deal(2, position: 3, at: 2, .buy, .in, volume: 0.5, price: 12, commission: -1, swap: -0.5, fee: -0.25),
            deal(3, position: 3, at: 3, .sell, .out, volume: 1.0, price: 13, profit: 20, commission: -2,
                 swap: -1.5, fee: -0.5),
        ]
        let trade = try #require(TradeBuilder.trades(from: deals).first)
        #expect(approx(trade.commission, -4))
        #expect(approx(trade.swap, -2))
        #expect(approx(trade.fee, -1))
        #expect(approx(trade.profit, 20))
        #expect(approx(trade.priceOpen, 11))
    }

    @Test func nonTradingDealsAreIgnored() {
        let balance = deal(1, position: 0, at: 1, .balance, .in, volume: 0, price: 0, profit: 10_000, symbol: "")
        let credit = deal(2, position: 0, at: 2, .credit, .in, volume: 0, price: 0, profit: 500, symbol: "")
        let charge = deal(3, position: 8, at: 3, .commission, .in, volume: 0, price: 0, commission: -5)
        let future = deal(4, position: 8, at: 4, .unknown(99), .in, volume: 1, price: 1)
        let buyWithoutPosition = deal(5, position: 0, at: 5, .buy, .in, volume: 1, price: 1)
        #expect(TradeBuilder.trades(from: [balance, credit, charge, future, buyWithoutPosition]).isEmpty)

        let open = deal(6, position: 8, at: 6, .buy, .in, volume: 1, price: 2)
        let trades = TradeBuilder.trades(from: [balance, charge, open, credit])
        #expect(trades.count == 1)
        #expect(trades.first?.commission == 0)
        #expect(trades.first?.dealCount == 1)
        #expect(TradeBuilder.positionIDs(touchedBy: [balance, charge, open]) == [8])
    }

    @Test func openPositionStaysOpen() throws {
        let trade = try #require(TradeBuilder.trades(from: [
            deal(1, position: 77, at: 50, .sell, .in, volume: 0.2, price: 1900, symbol: "XAUUSD"),
        ]).first)
        #expect(!trade.isClosed)
        #expect(trade.type == .sell)
        #expect(trade.symbol == "XAUUSD")
        #expect(trade.closedVolume == 0)
        #expect(trade.priceClose == 0)
        #expect(trade.timeClose == nil && trade.timeCloseMsc == nil)
    }

    @Test func orderOfInputDoesNotMatter() {
        let deals = [
            deal(1, position: 1, at: 1, .buy, .in, volume: 1.0, price: 1.10, magic: 1, comment: "a"),
            deal(2, position: 2, at: 2, .sell, .in, volume: 2.0, price: 1.30, comment: "b"),
            deal(3, position: 1, at: 3, .buy, .in, volume: 1.0, price: 1.12),
            deal(4, position: 1, at: 4, .sell, .out, volume: 0.5, price: 1.15, profit: 25),
            deal(5, position: 2, at: 5, .buy, .inout, volume: 3.0, price: 1.25, profit: 100),
            deal(6, position: 1, at: 6, .sell, .out, volume: 1.5, price: 1.16, profit: 60),
            deal(7, position: 2, at: 7, .sell, .out, volume: 1.0, price: 1.27, profit: 20),
            deal(8, position: 0, at: 8, .balance, .in, volume: 0, price: 0, profit: 5),
        ]
        let expected = TradeBuilder.trades(from: deals)
        #expect(expected.count == 2)
        #expect(expected.allSatisfy { $0.isClosed })
        for seed in UInt64(0)..<20 {
            #expect(TradeBuilder.trades(from: deals.seededShuffle(seed: seed)) == expected)
        }
        // Duplicates from overlapping history windows count once.
        #expect(TradeBuilder.trades(from: deals + deals.reversed()) == expected)
    }

    @Test func sameMillisecondFallsBackToTicketOrder() throws {
        var open = deal(20, position: 4, at: 9, .buy, .in, volume: 1, price: 5, comment: "open")
        var close = deal(21, position: 4, at: 9, .sell, .out, volume: 1, price: 6, comment: "close")
        open.timeMsc = 9_000
        close.timeMsc = 9_000
        let trade = try #require(TradeBuilder.trades(from: [close, open]).first)
        #expect(trade.comment == "open")
        #expect(trade.isClosed)
        #expect(trade.priceOpen == 5 && trade.priceClose == 6)
    }

    @Test func selectedPositionsOnly() {
        let deals = [
            deal(1, position: 1, at: 1, .buy, .in, volume: 1, price: 1),
            deal(2, position: 2, at: 2, .buy, .in, volume: 1, price: 1),
            deal(3, position: 3, at: 3, .buy, .in, volume: 1, price: 1),
        ]
        #expect(TradeBuilder.trades(forPositions: [1, 3], from: deals).map(\.positionID) == [1, 3])
        #expect(TradeBuilder.trades(forPositions: [], from: deals).isEmpty)
    }

    @Test func positionWithoutItsOpeningDealYieldsNoTrade() {
        let orphan = deal(1, position: 6, at: 1, .sell, .out, volume: 1, price: 1, profit: 3)
        #expect(TradeBuilder.trades(from: [orphan]).isEmpty)
    }

    @Test func tradeEncodesWithTableKeys() throws {
        let trade = try #require(TradeBuilder.trades(from: [deal(1, position: 5, at: 1, .buy, .in, volume: 1, price: 1)]).first)
        let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(trade)) as? [String: Any])
        #expect(object["ticket"] as? Int == 5)
        #expect(object["type"] as? String == "buy")
        #expect(object["price_open"] != nil && object["is_closed"] as? Bool == false)
    }
}
