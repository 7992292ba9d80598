import Foundation
import KlaroCore
import KlaroPostgres

/// Rebuilds the trades of positions that new deals touched, from every deal of those
/// positions (earlier syncs' included), with KlaroCore's ``TradeBuilder`` (DESIGN §8).
enum TradeRebuild {
    static func run(accounts: [UUID], positions: [Int64], connection: PostgresConnection) throws {
        struct Key: Hashable {
            let account: UUID
            let position: Int64
        }
        var pairsAccount: [UUID] = [], pairsPosition: [Int64] = []
        var seen = Set<Key>()
        for (account, position) in zip(accounts, positions) where position != 0 {
            if seen.insert(Key(account: account, position: position)).inserted {
                pairsAccount.append(account)
                pairsPosition.append(position)
            }
        }
        guard !pairsAccount.isEmpty else { return }
        let rows = try connection.query(loadDeals, [pairsAccount, pairsPosition])
        var dealsByAccount: [UUID: [TradeDeal]] = [:]
        var digitsByAccount: [UUID: [String: Int]] = [:]
        for row in rows {
            guard let entry = DealEntry(rawValue: try row.int(6)) else { continue }
            let deal = TradeDeal(
                ticket: try row.int64(1), order: try row.int64(2), time: try row.int64(3), timeMsc: try row.int64(4),
                type: DealType(rawValue: try row.int(5)), entry: entry, magic: try row.int64(7), positionID: try row.int64(8),
                reason: try row.int(9), volume: try row.double(10), price: try row.double(11), commission: try row.double(12),
                swap: try row.double(13), profit: try row.double(14), fee: try row.double(15), symbol: try row.string(16),
                comment: try row.string(17), externalID: try row.string(18)
            )
            let id = try row.uuid(0)
            dealsByAccount[id, default: []].append(deal)
            if let digits = try row.intOrNil(19) { digitsByAccount[id, default: [:]][deal.symbol] = digits }
        }
        var account: [UUID] = [], ticket: [Int64] = [], symbol: [String] = [], type: [String] = [], volume: [Double] = []
        var open: [Double] = [], close: [Double?] = [], profit: [Double] = [], swap: [Double] = [], commission: [Double] = []
        var fee: [Double] = [], magic: [Int64] = [], comment: [String] = [], time: [Int64] = [], timeClose: [Int64?] = []
        var closed: [Bool] = [], closedVolume: [Double] = [], dealCount: [Int] = []
        var timeMsc: [Int64] = [], timeCloseMsc: [Int64?] = []
        for (id, deals) in dealsByAccount {
            for trade in TradeBuilder.trades(from: deals, digits: digitsByAccount[id] ?? [:]) {
                account.append(id)
                ticket.append(trade.positionID)
                symbol.append(trade.symbol)
                type.append(trade.type == .buy ? "BUY" : "SELL")
                volume.append(trade.volume)
                open.append(trade.priceOpen)
                close.append(trade.closedVolume > 0 ? trade.priceClose : nil)
                profit.append(trade.profit)
                swap.append(trade.swap)
                commission.append(trade.commission)
                fee.append(trade.fee)
                magic.append(trade.magic)
                comment.append(trade.comment)
                time.append(trade.time)
                timeClose.append(trade.timeClose)
                closed.append(trade.isClosed)
                closedVolume.append(trade.closedVolume)
                dealCount.append(trade.dealCount)
                timeMsc.append(trade.timeMsc)
                timeCloseMsc.append(trade.timeCloseMsc)
            }
        }
        guard !account.isEmpty else { return }
        try connection.execute(upsertTrades, [
            account, ticket, symbol, type, volume, open, close, profit, swap, commission, fee, magic, comment, time, timeClose,
            closed, closedVolume, dealCount, timeMsc, timeCloseMsc,
        ])
    }

    static let loadDeals = """
        SELECT d.account_id, d.ticket, d.order_ticket, extract(epoch FROM d.time)::bigint, d.time_msc, d.type, d.entry,
               d.magic, d.position_id, d.reason, d.volume, d.price, d.commission, d.swap, d.profit, d.fee, d.symbol,
               d.comment, d.external_id, s.digits
        FROM deals d
        JOIN unnest($1::uuid[], $2::bigint[]) AS t(account_id, position_id)
          ON d.account_id = t.account_id AND d.position_id = t.position_id
        JOIN user_mt5_accounts a ON a.id = d.account_id
        LEFT JOIN broker_symbols s ON s.server = a.mt5_server AND s.symbol = d.symbol
        """

    static let upsertTrades = """
        INSERT INTO trades (account_id, ticket, symbol, type, volume, price_open, price_close, profit, swap, commission,
                            fee, magic, comment, time, time_close, is_closed, closed_volume, deal_count, time_msc,
                            time_close_msc, updated_at)
        SELECT u.account_id, u.ticket, u.symbol, u.type, u.volume, u.price_open, u.price_close, u.profit, u.swap,
               u.commission, u.fee, u.magic, u.comment, to_timestamp(u.time), to_timestamp(u.time_close), u.is_closed,
               u.closed_volume, u.deal_count, u.time_msc, u.time_close_msc, now()
        FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                    $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::bigint[], $13::text[], $14::bigint[],
                    $15::bigint[], $16::bool[], $17::numeric[], $18::int[], $19::bigint[], $20::bigint[])
             AS u(account_id, ticket, symbol, type, volume, price_open, price_close, profit, swap, commission, fee, magic,
                  comment, time, time_close, is_closed, closed_volume, deal_count, time_msc, time_close_msc)
        ON CONFLICT (account_id, ticket) DO UPDATE SET
            symbol = excluded.symbol, type = excluded.type, volume = excluded.volume, price_open = excluded.price_open,
            price_close = excluded.price_close, profit = excluded.profit, swap = excluded.swap,
            commission = excluded.commission, fee = excluded.fee, magic = excluded.magic, comment = excluded.comment,
            time = excluded.time, time_close = excluded.time_close, is_closed = excluded.is_closed,
            closed_volume = excluded.closed_volume, deal_count = excluded.deal_count, time_msc = excluded.time_msc,
            time_close_msc = excluded.time_close_msc, updated_at = excluded.updated_at,
            time_utc = NULL, time_close_utc = NULL
        """
}
