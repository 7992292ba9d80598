import Foundation
import KlaroCore
import KlaroPostgres

/// The rows a batch of results writes, gathered column by column so that each table takes
/// one multi-row statement (`unnest` of array parameters) per batch.
struct IngestWrites {
    // sync_runs and accounts: the end of each job, written like every other path writes it
    private var completions = JobCompletionWrites()
    // account_snapshots
    private var snapJob: [UUID] = [], snapAccount: [UUID] = [], snapBalance: [Double] = [], snapEquity: [Double] = []
    private var snapProfit: [Double] = [], snapMargin: [Double] = [], snapFree: [Double] = [], snapLevel: [Double] = []
    private var snapCredit: [Double] = [], snapLeverage: [Int64] = [], snapCurrency: [String] = [], snapTime: [Int64] = []
    // positions
    private var replacePositionsOf: [UUID] = []
    private var posAccount: [UUID] = [], posTicket: [Int64] = [], posSymbol: [String] = [], posType: [String] = []
    private var posVolume: [Double] = [], posOpen: [Double] = [], posCurrent: [Double] = [], posSL: [Double] = [], posTP: [Double] = []
    private var posProfit: [Double] = [], posSwap: [Double] = [], posMagic: [Int64] = [], posIdentifier: [Int64] = []
    private var posComment: [String] = [], posExternal: [String] = [], posTime: [Int64] = [], posTimeMsc: [Int64] = []
    private var posUpdateMsc: [Int64] = []
    // deals
    private var dealAccount: [UUID] = [], dealTicket: [Int64] = [], dealOrder: [Int64] = [], dealTime: [Int64] = []
    private var dealTimeMsc: [Int64] = [], dealType: [Int] = [], dealEntry: [Int] = [], dealMagic: [Int64] = []
    private var dealPosition: [Int64] = [], dealReason: [Int] = [], dealVolume: [Double] = [], dealPrice: [Double] = []
    private var dealCommission: [Double] = [], dealSwap: [Double] = [], dealProfit: [Double] = [], dealFee: [Double] = []
    private var dealSymbol: [String] = [], dealComment: [String] = [], dealExternal: [String] = [], dealJob: [UUID] = []
    // accounts whose whole history this batch may complete (HistoryCompleteness)
    private var wholeHistoryAccount: [UUID] = [], wholeHistoryJob: [UUID] = []
    // symbols' digits, broker clocks and UTC instants (BrokerTimeWrites)
    private var brokerTime = BrokerTimeWrites()

    var isEmpty: Bool { completions.isEmpty }

    mutating func add(_ message: ResultMessage, applied: AppliedSync, enqueuedAt: Date) {
        let ok = message.outcome == .ok

        if ok, let account = message.account {
            snapJob.append(message.jobID)
            snapAccount.append(message.accountID)
            snapBalance.append(account.balance)
            snapEquity.append(account.equity)
            snapProfit.append(account.profit)
            snapMargin.append(account.margin)
            snapFree.append(account.marginFree)
            snapLevel.append(account.marginLevel.isFinite ? account.marginLevel : 0)
            snapCredit.append(account.credit)
            snapLeverage.append(account.leverage)
            snapCurrency.append(account.currency)
            snapTime.append(message.finishedAt)
        }
        if ok, let positions = message.positions {
            if !message.positionsTruncated { replacePositionsOf.append(message.accountID) }
            for position in positions {
                posAccount.append(message.accountID)
                posTicket.append(position.ticket)
                posSymbol.append(position.symbol)
                posType.append(position.type == .buy ? "BUY" : "SELL")
                posVolume.append(position.volume)
                posOpen.append(position.priceOpen)
                posCurrent.append(position.priceCurrent)
                posSL.append(position.sl)
                posTP.append(position.tp)
                posProfit.append(position.profit)
                posSwap.append(position.swap)
                posMagic.append(position.magic)
                posIdentifier.append(position.identifier)
                posComment.append(position.comment)
                posExternal.append(position.externalID)
                posTime.append(position.time)
                posTimeMsc.append(position.timeMsc)
                posUpdateMsc.append(position.timeUpdateMsc)
            }
        }
        brokerTime.add(message)
        if ok, message.deals != nil, !message.dealsTruncated {
            wholeHistoryAccount.append(message.accountID)
            wholeHistoryJob.append(message.jobID)
        }
        var cursor: Int64?
        if ok, let deals = message.deals {
            for deal in deals {
                dealAccount.append(message.accountID)
                dealTicket.append(deal.ticket)
                dealOrder.append(deal.order)
                dealTime.append(deal.time)
                dealTimeMsc.append(deal.timeMsc)
                dealType.append(deal.type.rawValue)
                dealEntry.append(deal.entry.rawValue)
                dealMagic.append(deal.magic)
                dealPosition.append(deal.positionID)
                dealReason.append(deal.reason)
                dealVolume.append(deal.volume)
                dealPrice.append(deal.price)
                dealCommission.append(deal.commission)
                dealSwap.append(deal.swap)
                dealProfit.append(deal.profit)
                dealFee.append(deal.fee)
                dealSymbol.append(deal.symbol)
                dealComment.append(deal.comment)
                dealExternal.append(deal.externalID)
                dealJob.append(message.jobID)
                cursor = max(cursor ?? deal.time, deal.time)
            }
        }
        let run = JobCompletionWrites.RunFacts(
            startedAt: EpochMilliseconds.date(message.startedAt),
            queueWaitMs: applied.queueWait.map { Int(($0 * 1000).rounded()) },
            durationMs: Int(clamping: message.finishedAt - message.startedAt),
            loginMs: message.loginMs.map { Int(clamping: $0) },
            fetchMs: message.fetchMs.map { Int(clamping: $0) },
            positions: message.positions?.count,
            deals: message.deals?.count
        )
        completions.add(
            accountID: message.accountID, jobID: message.jobID, enqueuedAt: enqueuedAt, completion: applied.completion,
            finishedAt: EpochMilliseconds.date(message.finishedAt), error: message.mt5Error.map { ($0.code, $0.message) },
            run: run, historyCursor: cursor, schedule: applied.schedule
        )
    }

    /// Runs the statements on `connection` (inside the caller's transaction).
    func execute(_ connection: PostgresConnection) throws {
        guard !isEmpty else { return }
        if !snapJob.isEmpty {
            try connection.execute(Self.insertSnapshots, [
                snapJob, snapAccount, snapBalance, snapEquity, snapProfit, snapMargin, snapFree, snapLevel, snapCredit,
                snapLeverage, snapCurrency, snapTime,
            ])
        }
        try brokerTime.writeSymbols(connection)
        if !replacePositionsOf.isEmpty {
            try connection.execute("DELETE FROM positions WHERE account_id = ANY($1::uuid[])", [replacePositionsOf])
        }
        if !posAccount.isEmpty {
            try connection.execute(Self.upsertPositions, [
                posAccount, posTicket, posSymbol, posType, posVolume, posOpen, posCurrent, posSL, posTP, posProfit, posSwap,
                posMagic, posIdentifier, posComment, posExternal, posTime, posTimeMsc, posUpdateMsc,
            ])
        }
        if !dealAccount.isEmpty {
            let touched = try connection.query(Self.insertDeals, [
                dealAccount, dealTicket, dealOrder, dealTime, dealTimeMsc, dealType, dealEntry, dealMagic, dealPosition,
                dealReason, dealVolume, dealPrice, dealCommission, dealSwap, dealProfit, dealFee, dealSymbol, dealComment,
                dealExternal, dealJob,
            ])
            var accounts: [UUID] = [], positions: [Int64] = []
            for row in touched {
                accounts.append(try row.uuid(0))
                positions.append(try row.int64(1))
            }
            if !accounts.isEmpty { try TradeRebuild.run(accounts: accounts, positions: positions, connection: connection) }
        }
        try brokerTime.writeTimes(connection)
        try HistoryCompleteness.mark(accounts: wholeHistoryAccount, jobs: wholeHistoryJob, connection: connection)
        try completions.execute(connection)
        // Announces the syncs to every replica's /api/events streams when this transaction commits.
        try AccountEventNotifier.notify(accounts: completions.accounts, outcomes: completions.outcomes, connection: connection)
    }

    // MARK: Statements

    static let insertSnapshots = """
        INSERT INTO account_snapshots (id, account_id, balance, equity, profit, margin, margin_free, margin_level,
                                       credit, leverage, currency, "timestamp")
        SELECT u.id, u.account_id, u.balance, u.equity, u.profit, u.margin, u.margin_free, u.margin_level, u.credit,
               u.leverage, u.currency, to_timestamp(u.at / 1000.0)
        FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::numeric[], $5::numeric[], $6::numeric[], $7::numeric[],
                    $8::numeric[], $9::numeric[], $10::bigint[], $11::text[], $12::bigint[])
             AS u(id, account_id, balance, equity, profit, margin, margin_free, margin_level, credit, leverage, currency, at)
        ON CONFLICT DO NOTHING
        """

    static let upsertPositions = """
        INSERT INTO positions (account_id, ticket, symbol, type, volume, price_open, price_current, sl, tp, profit, swap,
                               magic, identifier, comment, external_id, time, time_msc, time_update_msc, updated_at)
        SELECT u.account_id, u.ticket, u.symbol, u.type, u.volume, u.price_open, u.price_current, u.sl, u.tp, u.profit,
               u.swap, u.magic, u.identifier, u.comment, u.external_id, to_timestamp(u.time), u.time_msc, u.update_msc, now()
        FROM unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[], $5::numeric[], $6::numeric[], $7::numeric[],
                    $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::bigint[], $13::bigint[], $14::text[],
                    $15::text[], $16::bigint[], $17::bigint[], $18::bigint[])
             AS u(account_id, ticket, symbol, type, volume, price_open, price_current, sl, tp, profit, swap, magic,
                  identifier, comment, external_id, time, time_msc, update_msc)
        ON CONFLICT (account_id, ticket) DO UPDATE SET
            symbol = excluded.symbol, type = excluded.type, volume = excluded.volume, price_open = excluded.price_open,
            price_current = excluded.price_current, sl = excluded.sl, tp = excluded.tp, profit = excluded.profit,
            swap = excluded.swap, magic = excluded.magic, identifier = excluded.identifier, comment = excluded.comment,
            external_id = excluded.external_id, time = excluded.time, time_msc = excluded.time_msc,
            time_update_msc = excluded.time_update_msc, updated_at = excluded.updated_at
        """

    /// MT5 deals never change once made, so a deal seen before is skipped; the new ones come
    /// back with their position, whose trade is then rebuilt.
    static let insertDeals = """
        INSERT INTO deals (account_id, ticket, order_ticket, time, time_msc, type, entry, magic, position_id, reason,
                           volume, price, commission, swap, profit, fee, symbol, comment, external_id, first_seen_job)
        SELECT u.account_id, u.ticket, u.order_ticket, to_timestamp(u.time), u.time_msc, u.type, u.entry, u.magic,
               u.position_id, u.reason, u.volume, u.price, u.commission, u.swap, u.profit, u.fee, u.symbol, u.comment,
               u.external_id, u.job
        FROM unnest($1::uuid[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::smallint[], $7::smallint[],
                    $8::bigint[], $9::bigint[], $10::smallint[], $11::numeric[], $12::numeric[], $13::numeric[],
                    $14::numeric[], $15::numeric[], $16::numeric[], $17::text[], $18::text[], $19::text[], $20::uuid[])
             AS u(account_id, ticket, order_ticket, time, time_msc, type, entry, magic, position_id, reason, volume, price,
                  commission, swap, profit, fee, symbol, comment, external_id, job)
        ON CONFLICT (account_id, ticket) DO NOTHING
        RETURNING account_id, position_id
        """
}
