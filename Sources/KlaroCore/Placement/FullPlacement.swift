import Foundation

/// The phases of ``Placement/place(slots:accounts:options:mode:)``, over accounts sorted by id.
struct FullPlacement {
    let table: SlotTable
    let accounts: [PlacementAccount]
    /// Accounts in placement order (by id).
    let entries: [AccountEntry]
    var scanner: RendezvousScanner
    /// Per entry: the assigned table index, or −1.
    private var assigned: [Int32]
    /// Per entry: it lost its current slot because the slot was over capacity.
    private var shed: [Bool]
    private var moves: [Move] = []
    private var unplaced: [UUID] = []
    private(set) var keptOnCordoned = 0
    private(set) var keptLoad = 0.0

    init(
        table: SlotTable, accounts: [PlacementAccount], entries: [AccountEntry],
        scanner: RendezvousScanner
    ) {
        self.table = table
        self.accounts = accounts
        self.entries = entries
        self.scanner = scanner
        assigned = Array(repeating: -1, count: entries.count)
        shed = Array(repeating: false, count: entries.count)
    }

    private func pinnedToActiveSlot(_ entry: AccountEntry) -> Bool {
        entry.pin >= 0 && table.isActive(entry.pin)
    }

    /// Phase 1: accounts on cordoned slots stay, unless pinned to an active slot.
    mutating func keepOnCordonedSlots() {
        for (i, entry) in entries.enumerated() where entry.current >= 0
            && table.states[Int(entry.current)] == .cordoned && !pinnedToActiveSlot(entry) {
            assigned[i] = entry.current
            scanner.add(entry.current, weight: entry.load)
            keptOnCordoned += 1
            keptLoad += entry.load
        }
    }

    /// Phase 2: pins to active slots, regardless of capacity.
    mutating func placePins() {
        for (i, entry) in entries.enumerated() where assigned[i] < 0 && pinnedToActiveSlot(entry) {
            assign(i, to: entry.pin, reason: entry.current == -1 ? .new : .pin)
        }
    }

    /// Phase 3 (keep mode): accounts keep their active slot while it has room; on a slot with
    /// too much load, the accounts scoring highest there stay while they fit.
    mutating func keepCurrentWithinCapacity() {
        // Bucket the candidates by slot (a counting sort keeps account order inside a bucket).
        var counts = Array(repeating: 0, count: table.count + 1)
        for (i, entry) in entries.enumerated()
        where assigned[i] < 0 && entry.current >= 0 && table.isActive(entry.current) {
            counts[Int(entry.current) + 1] += 1
        }
        for slot in 0..<table.count { counts[slot + 1] += counts[slot] }
        var buckets = Array(repeating: 0, count: counts[table.count])
        var fill = counts
        for (i, entry) in entries.enumerated()
        where assigned[i] < 0 && entry.current >= 0 && table.isActive(entry.current) {
            buckets[fill[Int(entry.current)]] = i
            fill[Int(entry.current)] += 1
        }
        for slot in 0..<table.count where counts[slot + 1] > counts[slot] {
            var bucket = Array(buckets[counts[slot]..<counts[slot + 1]])
            let total = bucket.reduce(0.0) { $0 + entries[$1].load }
            if !scanner.fits(Int32(slot), weight: total) {
                let keys = bucket.map { i in
                    let home = scanner.homeHost(ofServer: accounts[entries[i].index].server)
                    return (scanner.key(account: entries[i].key, slot: Int32(slot), home: home), i)
                }
                bucket = keys.sorted { $0 < $1 }.map(\.1)
            }
            for i in bucket {
                if scanner.fits(Int32(slot), weight: entries[i].load) {
                    assigned[i] = Int32(slot)
                    scanner.add(Int32(slot), weight: entries[i].load)
                } else {
                    shed[i] = true
                }
            }
        }
    }

    /// Phase 4: everyone left, heaviest first, to the highest-scoring active slot with room;
    /// the moves and the unplaced are listed in account order all the same.
    mutating func placeRemaining(mode: PlacementMode) {
        let firstMove = moves.count
        var movedIndex: [Int] = []
        var left: [Int] = []
        for i in Placement.heaviestFirst(entries) where assigned[i] < 0 {
            let entry = entries[i]
            let account = accounts[entry.index]
            let home = scanner.homeHost(ofServer: account.server)
            guard let slot = scanner.bestSlot(account: entry.key, home: home, weight: entry.load, server: account.server) else {
                left.append(i)
                continue
            }
            if assign(i, to: slot, reason: reason(for: i, mode: mode)) { movedIndex.append(i) }
        }
        unplaced.append(contentsOf: left.sorted().map { accounts[entries[$0].index].id })
        if zip(movedIndex, movedIndex.dropFirst()).contains(where: { $0 > $1 }) {
            let placed = zip(movedIndex, moves[firstMove...]).sorted { $0.0 < $1.0 }.map(\.1)
            moves.replaceSubrange(firstMove..., with: placed)
        }
    }

    /// Assigns entry `i` to `slot`; records a move and returns true when that is a change.
    @discardableResult
    private mutating func assign(_ i: Int, to slot: Int32, reason: MoveReason) -> Bool {
        assigned[i] = slot
        scanner.add(slot, weight: entries[i].load)
        let entry = entries[i]
        guard entry.current != slot else { return false }
        let account = accounts[entry.index]
        let to = table.ids[Int(slot)]
        moves.append(Move(account: account.id, from: account.current, to: to, reason: reason))
        return true
    }

    private func reason(for i: Int, mode: PlacementMode) -> MoveReason {
        let current = entries[i].current
        if current == -1 { return .new }
        if current == -2 { return .slotGone }
        switch table.states[Int(current)] {
        case .dead: return .slotGone
        case .draining: return .drain
        case .active, .cordoned: return shed[i] ? .overCapacity : .rebalance
        }
    }

    func result() -> PlacementResult {
        var assignments: [UUID: SlotID] = [:]
        assignments.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() where assigned[i] >= 0 {
            assignments[accounts[entry.index].id] = table.ids[Int(assigned[i])]
        }
        return PlacementResult(
            assignments: assignments, moves: moves, unplaced: unplaced,
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID(),
            work: scanner.workByID(), workBounds: scanner.boundsByID()
        )
    }
}
