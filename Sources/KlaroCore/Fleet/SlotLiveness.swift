import Foundation

/// The leader's in-memory view of slot liveness (issue 16): when each slot's heartbeat `ts`
/// last changed, by klarod's clock. The database gets those times only at a coarse interval,
/// so heartbeats that change nothing else write no rows.
public struct SlotLiveness: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        /// The heartbeat `ts` last seen (the worker's clock: only compared, never trusted).
        public var ts: Int64?
        /// When `ts` last changed, by klarod's clock.
        public var seenAt: Date
        /// What the database holds as `last_heartbeat_at`.
        public var persistedAt: Date?
        /// Until when a slot that still has a heartbeat key is alive although `seenAt` is old:
        /// a new leader's memory starts from coarse persisted times.
        public var graceUntil: Date?
    }

    public private(set) var entries: [SlotID: Entry] = [:]

    public init() {}

    /// Starts from the persisted times, as a new leader must, giving every slot a full
    /// `deadAfter` of grace from `now`.
    public init(persisted: [(id: SlotID, ts: Int64?, at: Date?)], now: Date, deadAfter: Double) {
        for slot in persisted {
            entries[slot.id] = Entry(
                ts: slot.ts, seenAt: slot.at ?? .distantPast, persistedAt: slot.at, graceUntil: now + deadAfter)
        }
    }

    /// Records a heartbeat seen at `now`; true when its `ts` is new (the slot is alive and its
    /// reported state is current).
    @discardableResult
    public mutating func observe(_ id: SlotID, ts: Int64, now: Date) -> Bool {
        if let entry = entries[id], entry.ts == ts { return false }
        entries[id] = Entry(ts: ts, seenAt: now, persistedAt: entries[id]?.persistedAt, graceUntil: entries[id]?.graceUntil)
        return true
    }

    /// Slots alive at `now`: a heartbeat `ts` changed within `deadAfter`, or, during a new
    /// leader's grace, a heartbeat key is still present (`present`).
    public func alive(now: Date, deadAfter: Double, present: Set<SlotID>) -> Set<SlotID> {
        Set(entries.compactMap { id, entry in
            if now.timeIntervalSince(entry.seenAt) <= deadAfter { return id }
            if let grace = entry.graceUntil, now <= grace, present.contains(id) { return id }
            return nil
        })
    }

    /// Slots whose last heartbeat is newer than the persisted one.
    public var unpersisted: [(id: SlotID, ts: Int64?, seenAt: Date)] {
        entries.compactMap { id, entry in
            guard entry.persistedAt.map({ entry.seenAt > $0 }) ?? true, entry.seenAt != .distantPast else { return nil }
            return (id, entry.ts, entry.seenAt)
        }
        .sorted { $0.id < $1.id }
    }

    /// Notes that the database now holds `at` as the slot's last heartbeat.
    public mutating func persisted(_ id: SlotID, at: Date) {
        entries[id]?.persistedAt = at
    }

    /// The last heartbeat of `id` this leader knows of.
    public func lastHeartbeat(_ id: SlotID) -> Date? {
        entries[id].flatMap { $0.seenAt == .distantPast ? nil : $0.seenAt }
    }
}
