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
            scanner.add(entry.current)
            keptOnCordoned += 1
        }
    }

    /// Phase 2: pins to active slots, regardless of capacity.
    mutating func placePins() {
        for (i, entry) in entries.enumerated() where assigned[i] < 0 && pinnedToActiveSlot(entry) {
            assign(i, to: entry.pin, reason: entry.current == -1 ? .new : .pin)
        }
    }

    /// Phase 3 (keep mode): accounts keep their active slot while it has room; on a slot with
    /// too many, the accounts scoring highest there stay.
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
            let room = max(0, scanner.capacity[slot] - scanner.load[slot])
            if bucket.count > room {
                let keys = bucket.map { i in
                    let home = scanner.homeHost(ofServer: accounts[entries[i].index].server)
                    return (scanner.key(account: entries[i].key, slot: Int32(slot), home: home), i)
                }
                bucket = keys.sorted { $0 < $1 }.map(\.1)
            }
            for (rank, i) in bucket.enumerated() {
                if rank < room {
                    assigned[i] = Int32(slot)
                    scanner.add(Int32(slot))
                } else {
                    shed[i] = true
                }
            }
        }
    }

    /// Phase 4: everyone left, in account order, to the highest-scoring active slot with room.
    mutating func placeRemaining(mode: PlacementMode) {
        for (i, entry) in entries.enumerated() where assigned[i] < 0 {
            let account = accounts[entry.index]
            let home = scanner.homeHost(ofServer: account.server)
            guard let slot = scanner.bestSlot(account: entry.key, home: home) else {
                unplaced.append(account.id)
                continue
            }
            assign(i, to: slot, reason: reason(for: i, mode: mode))
        }
    }

    private mutating func assign(_ i: Int, to slot: Int32, reason: MoveReason) {
        assigned[i] = slot
        scanner.add(slot)
        let entry = entries[i]
        if entry.current != slot {
            let account = accounts[entry.index]
            let to = table.ids[Int(slot)]
            moves.append(Move(account: account.id, from: account.current, to: to, reason: reason))
        }
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
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID()
        )
    }
}
