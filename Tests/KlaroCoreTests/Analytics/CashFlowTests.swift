import Foundation
import Testing
import KlaroCore

/// Which deals become cash flows, and which of those are external money.
@Suite struct CashFlowTests {
    private func deal(_ type: DealType, profit: Double = 0, commission: Double = 0, timeMsc: Int64 = 5_000_123) -> TradeDeal {
        TradeDeal(
            ticket: 1, time: 5_000, timeMsc: timeMsc, type: type, entry: .in, positionID: 0,
            volume: 0, price: 0, commission: commission, profit: profit, symbol: ""
        )
    }

    @Test func tradingAndCancelledDealsAreNotCashFlows() {
        for type in [DealType.buy, .sell, .buyCanceled, .sellCanceled] {
            #expect(CashFlow(deal: deal(type, profit: 10)) == nil)
        }
    }

    @Test func balanceDealsSplitBySign() throws {
        let deposit = try #require(CashFlow(deal: deal(.balance, profit: 250)))
        let withdrawal = try #require(CashFlow(deal: deal(.balance, profit: -100)))
        #expect(deposit == CashFlow(time: 5_000, timeMsc: 5_000_123, amount: 250, kind: .deposit))
        #expect(withdrawal.kind == .withdrawal && withdrawal.amount == -100)
    }

    @Test func kindsOfEveryDealType() {
        let expected: [(DealType, CashFlowKind)] = [
            (.credit, .credit), (.charge, .charge), (.correction, .correction), (.bonus, .bonus),
            (.commission, .commission), (.commissionDaily, .commission), (.commissionMonthly, .commission),
            (.commissionAgentDaily, .commission), (.commissionAgentMonthly, .commission),
            (.interest, .interest), (.dividend, .dividend), (.dividendFranked, .dividend), (.tax, .tax),
            (.unknown(42), .other),
        ]
        for (type, kind) in expected {
            #expect(CashFlowKind(dealType: type, amount: 1) == kind, "type \(type.rawValue)")
        }
    }

    @Test func externalAndBalanceMovingKinds() {
        let external = CashFlowKind.allCases.filter(\.isExternal)
        #expect(external == [.deposit, .withdrawal, .credit, .bonus, .correction])
        #expect(CashFlowKind.allCases.filter { !$0.movesBalance } == [.credit])
    }

    @Test func amountSumsMoneyFieldsAndTimeFallsBack() throws {
        let flow = try #require(CashFlow(deal: deal(.commissionDaily, profit: 0, commission: -7.5, timeMsc: 0)))
        #expect(flow.amount == -7.5 && flow.kind == .commission)
        #expect(flow.timeMsc == 5_000_000)
    }

    @Test func snakeCaseJSON() throws {
        let data = try JSONEncoder().encode(CashFlow(time: 1, amount: 2, kind: .deposit))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["time_msc"] as? Int == 1_000 && object["kind"] as? String == "deposit")
    }
}
