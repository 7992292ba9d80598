import Foundation

/// An account during placement: its sort key (the UUID's bytes), hash key and slot indexes.
struct AccountEntry {
    let high: UInt64
    let low: UInt64
    let key: UInt64
    /// Position in the caller's account array.
    let index: Int
    /// Current slot: a table index, −1 for none, −2 for a slot missing from the table.
    let current: Int32
    /// Pinned slot: a table index, or −1 for none or a slot missing from the table.
    let pin: Int32
    /// The account's load (``PlacementAccount/load``).
    let load: Double

    init(_ account: PlacementAccount, index: Int, table: SlotTable) {
        (high, low) = StableHash.halves(of: account.id)
        key = StableHash.hash(high: high, low: low)
        self.index = index
        if let current = account.current {
            self.current = table.index(of: current) ?? -2
        } else {
            self.current = -1
        }
        pin = table.index(of: account.pin) ?? -1
        load = account.load
    }
}
