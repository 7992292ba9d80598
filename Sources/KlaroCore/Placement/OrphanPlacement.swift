import Foundation

/// The steps of ``Placement/reassign(orphansOf:slots:accounts:options:)``: count everyone's
/// current load in one pass, then place only the dead slot's accounts, pins first, then
/// heaviest first (in account order among equal loads), exactly as phases 2 and 4 of the full
/// placement would.
struct OrphanPlacement {
    let table: SlotTable
    let deadSlot: SlotID
    let accounts: [PlacementAccount]
    var scanner: RendezvousScanner
    private var assignments: [UUID: SlotID] = [:]
    private var orphans: [AccountEntry] = []
    private var moves: [Move] = []
    private var unplaced: [UUID] = []
    private(set) var keptOnCordoned = 0
    private(set) var keptLoad = 0.0

    init(table: SlotTable, deadSlot: SlotID, accounts: [PlacementAccount], scanner: RendezvousScanner) {
        self.table = table
        self.deadSlot = deadSlot
        self.accounts = accounts
        self.scanner = scanner
    }

    private func isPinnedToActiveSlot(_ account: PlacementAccount) -> Bool {
        table.index(of: account.pin).map(table.isActive) ?? false
    }

    /// Counts the accounts on every other slot, collects the dead slot's accounts, and
    /// refuses an account listed twice.
    mutating func countCurrentLoads() throws(PlacementError) {
        assignments.reserveCapacity(accounts.count)
        for (index, account) in accounts.enumerated() {
            guard let current = account.current else { continue }
            guard assignments.updateValue(current, forKey: account.id) == nil else {
                throw .duplicateAccount(account.id)
            }
            if current == deadSlot {
                orphans.append(AccountEntry(account, index: index, table: table))
            } else if let slot = table.index(of: current) {
                scanner.add(slot, weight: account.load)
                if table.states[Int(slot)] == .cordoned && !isPinnedToActiveSlot(account) {
                    keptOnCordoned += 1
                    keptLoad += account.load
                }
            }
        }
        orphans.sort { ($0.high, $0.low) < ($1.high, $1.low) }
    }

    /// Pins first (regardless of capacity), then the highest-scoring active slot with room.
    mutating func placeOrphans() {
        for entry in orphans where isPinnedToActiveSlot(accounts[entry.index]) {
            place(entry, on: entry.pin, reason: .pin)
        }
        let pinnedMoves = moves.count
        for i in Placement.heaviestFirst(orphans) where !isPinnedToActiveSlot(accounts[orphans[i].index]) {
            let entry = orphans[i]
            let account = accounts[entry.index]
            let home = scanner.homeHost(ofServer: account.server)
            guard let slot = scanner.bestSlot(account: entry.key, home: home, weight: entry.load, server: account.server) else {
                assignments[account.id] = nil
                unplaced.append(account.id)
                continue
            }
            place(entry, on: slot, reason: .slotGone)
        }
        // Listed in account order, as the full placement lists them.
        let order = Dictionary(uniqueKeysWithValues: orphans.enumerated().map { (accounts[$1.index].id, $0) })
        moves[pinnedMoves...].sort { order[$0.account]! < order[$1.account]! }
        unplaced.sort { order[$0]! < order[$1]! }
    }

    private mutating func place(_ entry: AccountEntry, on slot: Int32, reason: MoveReason) {
        let account = accounts[entry.index].id
        scanner.add(slot, weight: entry.load)
        assignments[account] = table.ids[Int(slot)]
        moves.append(Move(account: account, from: deadSlot, to: table.ids[Int(slot)], reason: reason))
    }

    func result() -> PlacementResult {
        PlacementResult(
            assignments: assignments, moves: moves, unplaced: unplaced,
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID(),
            work: scanner.workByID(), workBounds: scanner.boundsByID()
        )
    }
}
