import Foundation

extension Placement {
    /// How often klarod looks at slot loads for relief (and `klaro-bench fleet-sim` relieves):
    /// drift builds over hours, and a look costs one aggregate over the schedule table.
    public static let loadReliefPeriod: TimeInterval = 300

    /// Relief moves klarod makes per hour at most by default (`KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR`);
    /// each costs its account one cold login on its new slot.
    public static let defaultLoadMovesPerHour = 200

    /// The load slack ε relief acts at, unless the placement's own ε is smaller: 0.05, the
    /// bound `klaro-bench fleet-sim` needs (with ε 0.25, klarod's placement default, slots drift
    /// up to 0.97 busy at 0.82 on average and quiet data gets older than the fixed schedule's).
    public static let defaultReliefEpsilon = 0.05

    /// The ε relief acts at for a placement of slack `epsilon`: the smaller of it and ``defaultReliefEpsilon``.
    public static func reliefEpsilon(placement epsilon: Double) -> Double { min(epsilon, defaultReliefEpsilon) }

    /// Takes load off slots that drifted past their bound, a few moves at a time (issue 13).
    ///
    /// Placement by load balances slots when it places, but accounts change class over the day
    /// (moving ↔ quiet ↔ dormant) and with it their load, so slots drift apart while everyone
    /// stays put. This returns at most `maxMoves` moves (reason `load`) that bring the most
    /// overloaded slots back toward their bound:
    ///
    /// - the bound is the full placement's, `ceil((1+ε)·N·w/W)` accounts of the mean load, with
    ///   ε = `options.epsilon` (N and the load exclude accounts staying on cordoned slots, as
    ///   in ``place(slots:accounts:options:mode:)``);
    /// - each move takes the active slot with the highest load ÷ bound among those past their
    ///   bound, and the other active slot with the most room under its bound;
    /// - of the source's accounts that fit the room, it moves the one that helps most without
    ///   emptying the source below its fair share: the heaviest with load ≤ source load − fair
    ///   share, else the lightest (one account heavier than that gap); among equal loads the one
    ///   whose rendezvous claim on the source is weakest, then by id;
    /// - a destination never passes its bound, so the most loaded slot (relative to its bound)
    ///   never gets more loaded; it stops when no slot is past its bound or nothing fits.
    ///
    /// Accounts pinned to an active slot, accounts on cordoned slots, and accounts without a
    /// usable slot (left for the full placement) never move here; cordoned, draining and dead
    /// slots receive nothing. The result depends only on the inputs, not on their order.
    /// - Parameters:
    ///   - slots: every known slot with its weight and state.
    ///   - accounts: every account with its current slot and current load.
    ///   - options: ε gives the bound; affinities are not used.
    ///   - maxMoves: the most moves to return (0: none).
    /// - Returns: the moves, every account's slot after them, and loads and bounds per slot.
    /// - Throws: ``PlacementError`` for duplicate slots or accounts, or invalid numbers.
    public static func relieve(
        slots: [PlacementSlot], accounts: [PlacementAccount], options: PlacementOptions = PlacementOptions(),
        maxMoves: Int
    ) throws(PlacementError) -> PlacementResult {
        try validate(options)
        try validate(accounts)
        let table = try SlotTable(slots)
        let entries = try entriesByID(accounts, table: table)
        var relief = LoadRelief(table: table, accounts: accounts, entries: entries, options: options)
        relief.move(upTo: maxMoves)
        return relief.result()
    }
}

extension Placement {
    /// The active slots past their bound, from the accounts and load already on each slot: the
    /// cheap look before a relief reads every account (klarod sums the loads per slot in SQL).
    /// The bound is ``relieve(slots:accounts:options:maxMoves:)``'s, counting what sits on
    /// cordoned slots as staying there; slots missing from `slots` still count in N and the load.
    /// - Returns: the slots past their bound, in slot order.
    /// - Throws: ``PlacementError`` for duplicate slots or an invalid ε.
    public static func slotsPastBound(
        placed: [SlotID: SlotLoad], slots: [PlacementSlot], epsilon: Double
    ) throws(PlacementError) -> [SlotID] {
        try validate(PlacementOptions(epsilon: epsilon))
        let table = try SlotTable(slots)
        var scanner = RendezvousScanner(table: table, options: PlacementOptions(epsilon: epsilon, loginGain: 0))
        var count = 0, load = 0.0
        for (slot, present) in placed where present.accounts > 0 {
            guard let index = table.index(of: slot), table.states[Int(index)] == .cordoned else {
                count += present.accounts
                load += present.load
                if let index = table.index(of: slot) { scanner.add(index, accounts: present.accounts, weight: present.load) }
                continue
            }
            scanner.add(index, accounts: present.accounts, weight: present.load)
        }
        scanner.setCapacities(accountCount: count, totalLoad: load, epsilon: epsilon)
        return (0..<table.count).filter { slot in
            table.isActive(Int32(slot)) && scanner.load[slot] > scanner.capacity[slot] * (1 + 1e-12)
        }.map { table.ids[$0] }
    }
}

/// The state of one ``Placement/relieve(slots:accounts:options:maxMoves:)``.
struct LoadRelief {
    let table: SlotTable
    let accounts: [PlacementAccount]
    /// Accounts sorted by id.
    let entries: [AccountEntry]
    private var scanner: RendezvousScanner
    /// Per entry: its slot's table index, or −1 (no usable slot; not counted on any slot).
    private var slotOf: [Int32]
    /// Per active slot: the entries that may move off it.
    private var movable: [[Int]]
    /// Per active slot: its fair share of the load, L·w/W.
    private var fair: [Double]
    /// Per slot: past its bound, but none of its movable accounts fits anywhere.
    private var stuck: [Bool]
    private var moves: [Move] = []

    init(table: SlotTable, accounts: [PlacementAccount], entries: [AccountEntry], options: PlacementOptions) {
        self.table = table
        self.accounts = accounts
        self.entries = entries
        scanner = RendezvousScanner(table: table, options: options)
        slotOf = Array(repeating: -1, count: entries.count)
        movable = Array(repeating: [], count: table.count)
        fair = Array(repeating: 0, count: table.count)
        stuck = Array(repeating: false, count: table.count)
        var keptOnCordoned = 0, keptLoad = 0.0, totalLoad = 0.0
        for (i, entry) in entries.enumerated() {
            totalLoad += entry.load
            let pinned = entry.pin >= 0 && table.isActive(entry.pin)
            guard entry.current >= 0 else { continue }
            switch table.states[Int(entry.current)] {
            case .active:
                slotOf[i] = entry.current
                scanner.add(entry.current, weight: entry.load)
                if !pinned { movable[Int(entry.current)].append(i) }
            case .cordoned:
                slotOf[i] = entry.current
                scanner.add(entry.current, weight: entry.load)
                if !pinned {
                    keptOnCordoned += 1
                    keptLoad += entry.load
                }
            case .draining, .dead:
                break
            }
        }
        let spread = totalLoad - keptLoad
        scanner.setCapacities(accountCount: entries.count - keptOnCordoned, totalLoad: spread, epsilon: options.epsilon)
        for slot in 0..<table.count where table.isActive(Int32(slot)) && table.activeWeight > 0 {
            fair[slot] = spread * table.weights[slot] / table.activeWeight
        }
    }

    /// Load ÷ bound of an active slot.
    private func ratio(_ slot: Int) -> Double {
        scanner.capacity[slot] > 0 ? scanner.load[slot] / scanner.capacity[slot] : .infinity
    }

    private func isPastBound(_ slot: Int) -> Bool {
        scanner.load[slot] > scanner.capacity[slot] * (1 + 1e-12)
    }

    /// The active slot most past its bound, if any (ties: the first in slot order).
    private func mostOverloaded() -> Int? {
        var best: Int?
        for slot in 0..<table.count where table.isActive(Int32(slot)) && !stuck[slot] && isPastBound(slot) {
            if best.map({ ratio(slot) > ratio($0) }) ?? true { best = slot }
        }
        return best
    }

    /// The room left under an active slot's bound.
    private func room(_ slot: Int) -> Double {
        scanner.capacity[slot] * (1 + 1e-12) - scanner.load[slot]
    }

    /// The active slot other than `source` with the most room (ties: slot order).
    private func roomiest(besides source: Int) -> Int? {
        var best: Int?
        for slot in 0..<table.count where slot != source && table.isActive(Int32(slot)) && room(slot) > 0 {
            if best.map({ room(slot) > room($0) }) ?? true { best = slot }
        }
        return best
    }

    /// Moves load off overloaded slots until `limit` moves, no slot past its bound, or nothing
    /// fits. A source none of whose accounts fits is passed over: rooms only shrink in a run.
    mutating func move(upTo limit: Int) {
        while moves.count < limit, let source = mostOverloaded() {
            guard let destination = roomiest(besides: source),
                  let pick = choose(from: source, room: room(destination)) else {
                stuck[source] = true
                continue
            }
            apply(pick, from: source, to: destination)
        }
    }

    /// The entry to move off `source` into `room`: the heaviest that keeps the source at or
    /// above its fair share, else the lightest that fits; ties by weakest claim, then id.
    private func choose(from source: Int, room: Double) -> Int? {
        let gap = scanner.load[source] - fair[source]
        var heaviest: (index: Int, key: Double)?
        var lightest: (index: Int, key: Double)?
        for i in movable[source] where entries[i].load <= room {
            let load = entries[i].load
            let key = scanner.key(account: entries[i].key, slot: Int32(source), home: -1)
            if load <= gap * (1 + 1e-12) {
                if heaviest.map({ better(i, key, than: $0, heavier: true) }) ?? true { heaviest = (i, key) }
            } else if lightest.map({ better(i, key, than: $0, heavier: false) }) ?? true {
                lightest = (i, key)
            }
        }
        return (heaviest ?? lightest)?.index
    }

    /// Whether entry `i` (rendezvous key `key` on the source) beats `other`: heavier (or
    /// lighter), then the weaker claim (larger key), then the lower id.
    private func better(_ i: Int, _ key: Double, than other: (index: Int, key: Double), heavier: Bool) -> Bool {
        let load = entries[i].load, otherLoad = entries[other.index].load
        if load != otherLoad { return heavier ? load > otherLoad : load < otherLoad }
        if key != other.key { return key > other.key }
        return i < other.index
    }

    private mutating func apply(_ i: Int, from source: Int, to destination: Int) {
        movable[source].removeAll { $0 == i }
        scanner.remove(Int32(source), weight: entries[i].load)
        scanner.add(Int32(destination), weight: entries[i].load)
        slotOf[i] = Int32(destination)
        let account = accounts[entries[i].index]
        moves.append(Move(account: account.id, from: table.ids[source], to: table.ids[destination], reason: .load))
    }

    func result() -> PlacementResult {
        var assignments: [UUID: SlotID] = [:]
        assignments.reserveCapacity(entries.count)
        for (i, entry) in entries.enumerated() where slotOf[i] >= 0 {
            assignments[accounts[entry.index].id] = table.ids[Int(slotOf[i])]
        }
        return PlacementResult(
            assignments: assignments, moves: moves, unplaced: [],
            loads: scanner.loadsByID(), capacities: scanner.capacitiesByID(),
            work: scanner.workByID(), workBounds: scanner.boundsByID()
        )
    }
}
