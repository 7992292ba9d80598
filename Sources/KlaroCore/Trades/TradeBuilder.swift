import Foundation

/// Rebuilds trades from MT5 deals (DESIGN §8).
///
/// Deals are grouped by non-zero `position_id`; only `buy` and `sell` deals count (balance,
/// credit, charges, commissions booked as separate deals and the like are ignored). Within a
/// position, deals are taken in `(time_msc, ticket)` order whatever order they arrive in, and a
/// ticket seen twice counts once (history windows overlap).
///
/// - `in` opens (or adds); `out` and `out_by` close (partly or fully).
/// - `inout` (a netting reversal) closes the volume still open and opens the opposite direction
///   with the excess, in the same position id. The position stays one trade: its `type` is
///   the first opening deal's direction, `volume` counts both legs' opened volume, and it is
///   closed once everything opened has been closed.
/// - A position whose history holds no opening volume (its opening deal lies before the
///   fetched window) yields no trade: it cannot be rebuilt honestly.
/// - Money (profit, swap, commission, fee) is summed exactly (``MoneySum``); prices are
///   volume-weighted, then rounded to the symbol's digits (``PriceRounding``): the digits
///   given for the symbol, else 8 (or more if a deal price has more decimals).
public enum TradeBuilder {
    /// Lot amounts are compared after rounding to 1e-8 lots (this many steps per lot).
    public static let lotStepsPerLot = 1e8

    /// Rounds a lot amount to 1e-8 lots (the double nearest the decimal), so sums of partial
    /// closes compare exactly: 0.1 + 0.2 rounds to 0.3.
    public static func roundedLots(_ lots: Double) -> Double {
        (lots * lotStepsPerLot).rounded() / lotStepsPerLot
    }

    /// Every trade the deals describe, ordered by opening time, then position id.
    /// - Parameters:
    ///   - deals: the deals, in any order.
    ///   - digits: each symbol's price digits (`symbol_info(symbol).digits`); a symbol not
    ///     listed is rounded to 8 decimals (more if a deal price has more).
    public static func trades(from deals: [TradeDeal], digits: [String: Int] = [:]) -> [Trade] {
        build(deals.filter(isTradeDeal), digits: digits)
    }

    /// The trades of the given positions only (the ones a batch of new deals touched), ordered
    /// by opening time, then position id.
    /// - Parameters:
    ///   - positionIDs: the positions to rebuild.
    ///   - deals: deals that include every deal of those positions (others are ignored).
    ///   - digits: each symbol's price digits, as for ``trades(from:digits:)``.
    public static func trades(
        forPositions positionIDs: Set<Int64>, from deals: [TradeDeal], digits: [String: Int] = [:]
    ) -> [Trade] {
        build(deals.filter { isTradeDeal($0) && positionIDs.contains($0.positionID) }, digits: digits)
    }

    /// The position ids a batch of deals touches (trading deals with a non-zero position id).
    public static func positionIDs(touchedBy deals: [TradeDeal]) -> Set<Int64> {
        Set(deals.lazy.filter(isTradeDeal).map(\.positionID))
    }

    // MARK: - Building

    private static func isTradeDeal(_ deal: TradeDeal) -> Bool {
        deal.type.isTrading && deal.positionID != 0
    }

    private static func build(_ deals: [TradeDeal], digits: [String: Int]) -> [Trade] {
        var byTicket: [Int64: TradeDeal] = [:]
        for deal in deals { byTicket[deal.ticket] = deal }
        let groups = Dictionary(grouping: byTicket.values, by: \.positionID)
        let trades = groups.compactMap { positionID, group in
            trade(positionID: positionID, deals: group.sorted(by: dealOrder), digits: digits)
        }
        return trades.sorted { ($0.timeMsc, $0.positionID) < ($1.timeMsc, $1.positionID) }
    }

    /// Deal order: `time_msc`, falling back to `time` in milliseconds when `time_msc` is 0,
    /// then ticket.
    private static func dealOrder(_ a: TradeDeal, _ b: TradeDeal) -> Bool {
        (orderTime(a), a.ticket) < (orderTime(b), b.ticket)
    }

    private static func orderTime(_ deal: TradeDeal) -> Int64 {
        deal.timeMsc != 0 ? deal.timeMsc : deal.time &* 1000
    }

    private static func trade(positionID: Int64, deals: [TradeDeal], digits: [String: Int]) -> Trade? {
        var ledger = PositionLedger()
        for deal in deals { ledger.apply(deal) }
        guard let opening = ledger.firstOpening, let direction = opening.type.direction else {
            return nil
        }
        let volume = roundedLots(ledger.openedVolume)
        let closedVolume = roundedLots(ledger.closedVolume)
        let priceDigits = digits[opening.symbol]
            ?? max(PriceRounding.fallbackDigits, deals.lazy.map { PriceRounding.decimals(of: $0.price) }.max() ?? 0)
        func price(_ notional: Double, _ lots: Double) -> Double {
            lots > 0 ? PriceRounding.round(notional / lots, digits: priceDigits) : 0
        }
        return Trade(
            positionID: positionID,
            symbol: opening.symbol,
            type: direction,
            volume: volume,
            priceOpen: price(ledger.openedNotional, ledger.openedVolume),
            priceClose: price(ledger.closedNotional, ledger.closedVolume),
            profit: ledger.profit.value,
            swap: ledger.swap.value,
            commission: ledger.commission.value,
            fee: ledger.fee.value,
            magic: opening.magic,
            comment: opening.comment,
            time: opening.time,
            timeMsc: orderTime(opening),
            timeClose: ledger.lastClosing?.time,
            timeCloseMsc: ledger.lastClosing.map(orderTime),
            isClosed: volume > 0 && closedVolume == volume,
            closedVolume: closedVolume,
            dealCount: deals.count
        )
    }
}

/// Running totals of one position while its deals are replayed in order.
private struct PositionLedger {
    var openedVolume = 0.0
    var openedNotional = 0.0
    var closedVolume = 0.0
    var closedNotional = 0.0
    /// Volume currently open (in whichever direction the position now has).
    var netVolume = 0.0
    var profit = MoneySum()
    var swap = MoneySum()
    var commission = MoneySum()
    var fee = MoneySum()
    var firstOpening: TradeDeal?
    var lastClosing: TradeDeal?

    mutating func apply(_ deal: TradeDeal) {
        profit.add(deal.profit)
        swap.add(deal.swap)
        commission.add(deal.commission)
        fee.add(deal.fee)
        let volume = max(0, deal.volume)
        switch deal.entry {
        case .in:
            open(volume, deal)
        case .out, .outBy:
            close(volume, deal)
        case .inout:
            let closing = min(volume, netVolume)
            if closing > 0 { close(closing, deal) }
            let excess = TradeBuilder.roundedLots(volume - closing)
            if excess > 0 { open(excess, deal) }
        }
    }

    private mutating func open(_ volume: Double, _ deal: TradeDeal) {
        openedVolume += volume
        openedNotional += volume * deal.price
        netVolume = TradeBuilder.roundedLots(netVolume + volume)
        if firstOpening == nil { firstOpening = deal }
    }

    private mutating func close(_ volume: Double, _ deal: TradeDeal) {
        closedVolume += volume
        closedNotional += volume * deal.price
        netVolume = max(0, TradeBuilder.roundedLots(netVolume - volume))
        lastClosing = deal
    }
}
