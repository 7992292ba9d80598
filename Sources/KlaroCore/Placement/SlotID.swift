import Foundation

/// A terminal slot: the worker host's id and the slot's number on that host (1…N).
public struct SlotID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The worker host's id.
    public var host: String
    /// The slot's number on its host.
    public var index: Int

    /// Creates a slot id.
    public init(host: String, index: Int) {
        self.host = host
        self.index = index
    }

    /// `host:index`, as in log lines and the `{host}:{slot}` part of Redis keys.
    public var description: String { "\(host):\(index)" }

    public static func < (a: SlotID, b: SlotID) -> Bool {
        (a.host, a.index) < (b.host, b.index)
    }

    /// The slot's stable hash key, used for rendezvous scores.
    var placementKey: UInt64 {
        let indexKey = StableHash.mix(UInt64(bitPattern: Int64(index)) &+ 0x632B_E59B_D9B4_E019)
        return StableHash.mix(StableHash.hash(host) ^ indexKey)
    }
}
