import Foundation
import Testing
import KlaroCore

/// JSON key order is not observable through Foundation's encoder on Linux (and carries no
/// meaning in JSON); the key sets are checked against MT5's field lists.
@Suite struct MT5RecordTests {
    private func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func accountInfoRoundTripsWithMT5Keys() throws {
        let json = Data("""
        {"login": 5012345, "trade_mode": 0, "leverage": 100, "limit_orders": 200, "margin_so_mode": 0,
         "trade_allowed": true, "trade_expert": true, "margin_mode": 2, "currency_digits": 2,
         "fifo_close": false, "balance": 10250.5, "credit": 0.0, "profit": 35.2, "equity": 10285.7,
         "margin": 120.0, "margin_free": 10165.7, "margin_level": 8571.4, "margin_so_call": 50.0,
         "margin_so_so": 30.0, "margin_initial": 0.0, "margin_maintenance": 0.0, "assets": 0.0,
         "liabilities": 0.0, "commission_blocked": 0.0, "name": "J. Doe", "server": "Broker-Demo",
         "currency": "USD", "company": "Broker Ltd", "unknown_future_field": 1}
        """.utf8)
        let info = try JSONDecoder().decode(AccountInfo.self, from: json)
        #expect(info.login == 5_012_345)
        #expect(info.accountTradeMode == .demo)
        #expect(info.marginFree == 10165.7)
        #expect(info.tradeAllowed == true)
        #expect(info.fifoClose == false)
        #expect(info.marginSoCall == 50)
        #expect(info.company == "Broker Ltd")
        let encoded = try JSONEncoder().encode(info)
        var expectedKeys = Set(try object(json).keys)
        expectedKeys.remove("unknown_future_field")
        #expect(Set(try object(encoded).keys) == expectedKeys)
        #expect(try JSONDecoder().decode(AccountInfo.self, from: encoded) == info)
        let mt5Order = [
            "login", "trade_mode", "leverage", "limit_orders", "margin_so_mode", "trade_allowed",
            "trade_expert", "margin_mode", "currency_digits", "fifo_close", "balance", "credit",
            "profit", "equity", "margin", "margin_free", "margin_level", "margin_so_call",
            "margin_so_so", "margin_initial", "margin_maintenance", "assets", "liabilities",
            "commission_blocked", "name", "server", "currency", "company",
        ]
        #expect(Set(try object(encoded).keys) == Set(mt5Order))
    }

    @Test func accountInfoNeedsOnlyTheProtocolFields() throws {
        let json = Data("""
        {"login": 7, "trade_mode": 2, "leverage": 500, "balance": 1, "credit": 0, "profit": 0,
         "equity": 1, "margin": 0, "margin_free": 1, "margin_level": 0, "name": "", "server": "S",
         "currency": "EUR", "company": "C"}
        """.utf8)
        let info = try JSONDecoder().decode(AccountInfo.self, from: json)
        #expect(info.accountTradeMode == .real)
        #expect(info.limitOrders == nil && info.assets == nil)
        #expect(Set(try object(try JSONEncoder().encode(info)).keys) == Set(try object(json).keys))
        let missing = Data(#"{"login": 7, "trade_mode": 2}"#.utf8)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(AccountInfo.self, from: missing) }
    }

    @Test func positionRoundTripsWithMT5Keys() throws {
        let json = Data("""
        {"ticket": 90011, "time": 1764050000, "time_msc": 1764050000123, "time_update": 1764050100,
         "time_update_msc": 1764050100456, "type": 1, "magic": 777, "identifier": 90011, "reason": 3,
         "volume": 0.5, "price_open": 1.0842, "sl": 1.09, "tp": 1.07, "price_current": 1.0831,
         "swap": -0.12, "profit": 5.5, "symbol": "EURUSD", "comment": "grid", "external_id": ""}
        """.utf8)
        let position = try JSONDecoder().decode(TradePosition.self, from: json)
        #expect(position.type == .sell)
        #expect(position.type.direction == .sell)
        #expect(position.timeUpdateMsc == 1_764_050_100_456)
        #expect(position.priceCurrent == 1.0831)
        let encoded = try JSONEncoder().encode(position)
        #expect(Set(try object(encoded).keys) == Set(try object(json).keys))
        #expect(try JSONDecoder().decode(TradePosition.self, from: encoded) == position)
        let mt5Order = [
            "ticket", "time", "time_msc", "time_update", "time_update_msc", "type", "magic",
            "identifier", "reason", "volume", "price_open", "sl", "tp", "price_current", "swap",
            "profit", "symbol", "comment", "external_id",
        ]
        #expect(Set(try object(encoded).keys) == Set(mt5Order))
    }

    @Test func dealRoundTripsWithMT5Keys() throws {
        let json = Data("""
        {"ticket": 80021, "order": 70031, "time": 1764040000, "time_msc": 1764040000789, "type": 0,
         "entry": 1, "magic": 0, "position_id": 90011, "reason": 0, "volume": 0.1, "price": 1.2345,
         "commission": -0.7, "swap": 0.0, "profit": 12.5, "fee": -0.1, "symbol": "GBPUSD",
         "comment": "", "external_id": "x-1"}
        """.utf8)
        let deal = try JSONDecoder().decode(TradeDeal.self, from: json)
        #expect(deal.type == .buy)
        #expect(deal.entry == .out)
        #expect(deal.positionID == 90011)
        #expect(deal.fee == -0.1)
        #expect(deal.externalID == "x-1")
        let encoded = try JSONEncoder().encode(deal)
        #expect(Set(try object(encoded).keys) == Set(try object(json).keys))
        #expect(try JSONDecoder().decode(TradeDeal.self, from: encoded) == deal)
        let mt5Order = [
            "ticket", "order", "time", "time_msc", "type", "entry", "magic", "position_id", "reason",
            "volume", "price", "commission", "swap", "profit", "fee", "symbol", "comment", "external_id",
        ]
        #expect(Set(try object(encoded).keys) == Set(mt5Order))
    }

    @Test func terminalSummaryKeys() throws {
        let json = Data(#"{"build": 5200, "connected": true, "ping_last": 41230}"#.utf8)
        let terminal = try JSONDecoder().decode(TerminalSummary.self, from: json)
        #expect(terminal == TerminalSummary(build: 5200, connected: true, pingLast: 41230))
        #expect(Set(try object(try JSONEncoder().encode(terminal)).keys) == ["build", "connected", "ping_last"])
    }

    @Test func dealTypesMapMT5Numbers() throws {
        let expected: [DealType] = [
            .buy, .sell, .balance, .credit, .charge, .correction, .bonus, .commission,
            .commissionDaily, .commissionMonthly, .commissionAgentDaily, .commissionAgentMonthly,
            .interest, .buyCanceled, .sellCanceled, .dividend, .dividendFranked, .tax,
        ]
        for (number, type) in expected.enumerated() {
            // `==` compares MT5 numbers, so `.unknown(0) == .buy` holds: compare the cases by name.
            #expect(String(describing: DealType(rawValue: number)) == String(describing: type))
            #expect(type.rawValue == number)
            #expect(type.isTrading == (number <= 1))
        }
        #expect(DealType(rawValue: 42) == .unknown(42))
        #expect(DealType.unknown(42).rawValue == 42)
        #expect(!DealType.unknown(42).isTrading)
        #expect(DealType(rawValue: -1) == .unknown(-1))
        #expect(DealType.unknown(2) == .balance)
        #expect(Set<DealType>([.unknown(1), .sell, .buy]).count == 2)
        let decoded = try JSONDecoder().decode([DealType].self, from: Data("[2, 17, 99]".utf8))
        #expect(decoded.map { String(describing: $0) } == ["balance", "tax", "unknown(99)"])
        #expect(String(data: try JSONEncoder().encode(decoded), encoding: .utf8) == "[2,17,99]")
    }

    @Test func dealEntriesMapMT5Numbers() throws {
        #expect(DealEntry.allCases.map(\.rawValue) == [0, 1, 2, 3])
        #expect(try JSONDecoder().decode([DealEntry].self, from: Data("[0,1,2,3]".utf8)) == [.in, .out, .inout, .outBy])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([DealEntry].self, from: Data("[4]".utf8)) }
    }
}
