import Foundation

/// What is already on one slot when newcomers are placed: its accounts and their total load.
public struct SlotLoad: Sendable, Equatable {
    public var accounts: Int
    /// Σ ``PlacementAccount/load`` of those accounts (their count when every account weighs 1).
    public var load: Double

    public init(accounts: Int, load: Double) {
        self.accounts = accounts
        self.load = load
    }
}

extension Placement {
    /// Places only accounts that have no slot yet, given the other accounts' count and load per
    /// slot, leaving every placed account where it is: klarod's path for new (or reactivated)
    /// accounts, so that it reads the few unplaced accounts and a sum per slot instead of every
    /// account. Pins to an active slot first, then, heaviest first, the highest-scoring active
    /// slot with room for the account's load (or one that logs in faster), as phases 2 and 4 of
    /// the full placement: a newcomer goes where load has room, not where accounts are fewest.
    /// - Parameters:
    ///   - newcomers: the accounts to place (their `current` is ignored).
    ///   - placed: accounts and their load already on each slot (every other account to place).
    ///   - slots: every known slot with its weight and state.
    ///   - options: the options of the full placement.
    /// - Throws: ``PlacementError`` for duplicate slots or accounts, or invalid numbers.
    public static func placeNewcomers(
        _ newcomers: [PlacementAccount], placed: [SlotID: SlotLoad], slots: [PlacementSlot],
        options: PlacementOptions = PlacementOptions()
    ) throws(PlacementError) -> PlacementResult {
        try validate(options)
        try validate(newcomers)
        let table = try SlotTable(slots)
        var scanner = RendezvousScanner(table: table, options: options)
        var placedCount = 0, keptOnCordoned = 0, placedLoad = 0.0, keptLoad = 0.0
        for (slot, present) in placed where present.accounts > 0 {
            placedCount += present.accounts
            placedLoad += present.load
            guard let index = table.index(of: slot) else { continue }
            if table.states[Int(index)] == .cordoned {
                keptOnCordoned += present.accounts
                keptLoad += present.load
            }
            scanner.add(index, accounts: present.accounts, weight: present.load)
        }
        var entries = newcomers.indices.map { AccountEntry(newcomers[$0], index: $0, table: table) }
        entries.sort { ($0.high, $0.low) < ($1.high, $1.low) }
        for i in entries.indices.dropFirst() where entries[i].high == entries[i - 1].high
            && entries[i].low == entries[i - 1].low {
            throw .duplicateAccount(newcomers[entries[i].index].id)
        }
        scanner.setCapacities(
            accountCount: placedCount + newcomers.count - keptOnCordoned,
            totalLoad: placedLoad + newcomers.reduce(0) { $0 + $1.load } - keptLoad, epsilon: options.epsilon)

        var assignments: [UUID: SlotID] = [:], moves: [Move] = [], unplaced: [UUID] = []
        func isPinnedToActiveSlot(_ entry: AccountEntry) -> Bool {
            entry.pin >= 0 && table.isActive(entry.pin)
        }
        var placedAt: [UUID: Int] = [:]
        func place(_ i: Int, on slot: Int32, reason: MoveReason) {
            let id = newcomers[entries[i].index].id
            scanner.add(slot, weight: entries[i].load)
            assignments[id] = table.ids[Int(slot)]
            placedAt[id] = i
            moves.append(Move(account: id, from: nil, to: table.ids[Int(slot)], reason: reason))
        }
        for i in entries.indices where isPinnedToActiveSlot(entries[i]) {
            place(i, on: entries[i].pin, reason: .pin)
        }
        let pinned = moves.count
        var left: [Int] = []
        for i in heaviestFirst(entries) where !isPinnedToActiveSlot(entries[i]) {
            let entry = entries[i], account = newcomers[entry.index]
            let home = scanner.homeHost(ofServer: account.server)
            guard let slot = scanner.bestSlot(account: entry.key, home: home, weight: entry.load, server: account.server) else {
                left.append(i)
                continue
            }
            place(i, on: slot, reason: .new)
        }
        moves[pinned...].sort { placedAt[$0.account]! < placedAt[$1.account]! }
        unplaced = left.sorted().map { newcomers[entries[$0].index].id }
        return PlacementResult(
            assignments: assignments, moves: moves, unplaced: unplaced,
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID(),
            work: scanner.workByID(), workBounds: scanner.boundsByID()
        )
    }
}
