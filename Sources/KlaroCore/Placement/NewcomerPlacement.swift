import Foundation

extension Placement {
    /// Places only accounts that have no slot yet, given the other accounts' loads per slot,
    /// leaving every placed account where it is: klarod's path for new (or reactivated)
    /// accounts, so that it reads the few unplaced accounts and a count per slot instead of
    /// every account. Pins to an active slot first, then, in account order, the
    /// highest-scoring active slot with room, as phases 2 and 4 of the full placement.
    /// - Parameters:
    ///   - newcomers: the accounts to place (their `current` is ignored).
    ///   - loads: accounts already on each slot (every other account to place).
    ///   - slots: every known slot with its weight and state.
    ///   - options: the options of the full placement.
    /// - Throws: ``PlacementError`` for duplicate slots or accounts, or invalid numbers.
    public static func placeNewcomers(
        _ newcomers: [PlacementAccount], loads: [SlotID: Int], slots: [PlacementSlot],
        options: PlacementOptions = PlacementOptions()
    ) throws(PlacementError) -> PlacementResult {
        guard options.epsilon.isFinite, options.epsilon >= 0 else { throw .invalidEpsilon(options.epsilon) }
        guard options.affinityWeight.isFinite, options.affinityWeight >= 0 else {
            throw .invalidAffinityWeight(options.affinityWeight)
        }
        let table = try SlotTable(slots)
        var scanner = RendezvousScanner(table: table, affinityWeight: options.affinityWeight)
        var placedCount = 0, keptOnCordoned = 0
        for (slot, count) in loads {
            placedCount += count
            guard let index = table.index(of: slot) else { continue }
            if table.states[Int(index)] == .cordoned { keptOnCordoned += count }
            for _ in 0..<count { scanner.add(index) }
        }
        var entries = newcomers.indices.map { AccountEntry(newcomers[$0], index: $0, table: table) }
        entries.sort { ($0.high, $0.low) < ($1.high, $1.low) }
        for i in entries.indices.dropFirst() where entries[i].high == entries[i - 1].high
            && entries[i].low == entries[i - 1].low {
            throw .duplicateAccount(newcomers[entries[i].index].id)
        }
        scanner.setCapacities(accountCount: placedCount + newcomers.count - keptOnCordoned, epsilon: options.epsilon)

        var assignments: [UUID: SlotID] = [:], moves: [Move] = [], unplaced: [UUID] = []
        func isPinnedToActiveSlot(_ entry: AccountEntry) -> Bool {
            entry.pin >= 0 && table.isActive(entry.pin)
        }
        func place(_ entry: AccountEntry, on slot: Int32, reason: MoveReason) {
            let id = newcomers[entry.index].id
            scanner.add(slot)
            assignments[id] = table.ids[Int(slot)]
            moves.append(Move(account: id, from: nil, to: table.ids[Int(slot)], reason: reason))
        }
        for entry in entries where isPinnedToActiveSlot(entry) {
            place(entry, on: entry.pin, reason: .pin)
        }
        for entry in entries where !isPinnedToActiveSlot(entry) {
            let home = scanner.homeHost(ofServer: newcomers[entry.index].server)
            guard let slot = scanner.bestSlot(account: entry.key, home: home) else {
                unplaced.append(newcomers[entry.index].id)
                continue
            }
            place(entry, on: slot, reason: .new)
        }
        return PlacementResult(
            assignments: assignments, moves: moves, unplaced: unplaced,
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID()
        )
    }
}
