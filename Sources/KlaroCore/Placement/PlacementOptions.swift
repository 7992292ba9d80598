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

    /// Creates options; the defaults are ε = 0.25 and affinity off.
    public init(epsilon: Double = 0.25, affinityWeight: Double = 0) {
        self.epsilon = epsilon
        self.affinityWeight = affinityWeight
    }
}
