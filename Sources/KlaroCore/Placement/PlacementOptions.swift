import Foundation

/// Tuning of placement.
public struct PlacementOptions: Sendable, Equatable {
    /// Load slack ε: a slot of weight w takes at most `ceil((1+ε)·N·w/W)` accounts. Finite, ≥ 0.
    public var epsilon: Double
    /// Broker affinity α: an account's rendezvous score for the slots on its broker server's
    /// home host is multiplied by `1 + α`. 0 turns affinity off. Finite, ≥ 0.
    ///
    /// Each broker server gets a home host by weighted rendezvous over hosts (weight = the
    /// host's active slot weight), so accounts of one server gather on one host, whose
    /// terminals then keep that server's data warm. A multiplied score acts like a multiplied
    /// weight, so while capacity does not bind, the share of a server's accounts on its home
    /// host is `(1+α)·W_home / ((1+α)·W_home + W_rest)`: with H equal hosts, `(1+α)/(α+H)`
    /// (α = 9·H gives about 90 %). Capacity still bounds every slot: a server too large for
    /// its home host overflows to other hosts as if without affinity. Like any weight change,
    /// changing α moves accounts only in a rebalance.
    public var affinityWeight: Double
    /// Login affinity (issue 13): an account goes to a slot with room whose measured login to its
    /// broker server (`loginMs`) is at least this fraction faster than the login of the slot
    /// rendezvous chose (or, unmeasured there, the mean of the measured slots). In [0, 1); 0
    /// turns it off. It never takes a slot past its bound, and it moves no account that stays.
    public var loginGain: Double
    /// Measured login time in ms per (slot, broker server), e.g. the median of the last day.
    public var loginMs: [LoginKey: Double]

    /// A slot's measured login time to one broker server.
    public struct LoginKey: Hashable, Sendable {
        public var slot: SlotID
        public var server: String

        public init(slot: SlotID, server: String) {
            self.slot = slot
            self.server = server
        }
    }

    /// Creates options; the defaults are ε = 0.25, home-host affinity off and login affinity
    /// at a 20 % gain (effective only with `loginMs`).
    public init(
        epsilon: Double = 0.25, affinityWeight: Double = 0, loginGain: Double = 0.2, loginMs: [LoginKey: Double] = [:]
    ) {
        self.epsilon = epsilon
        self.affinityWeight = affinityWeight
        self.loginGain = loginGain
        self.loginMs = loginMs
    }
}
