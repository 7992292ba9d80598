import KlaroCore

// The closed sets of label values klarod's metrics accept (DESIGN §10). Taking enums instead
// of strings keeps label cardinality bounded: an account id can never become a label. Where the
// domain has the vocabulary (a sync's outcome, why a result was rejected) the metrics take
// KlaroCore's own enum, so a new case is counted under its own name, never mapped to another.

/// `state` of `klaro_slots`.
public enum SlotStateLabel: String, Sendable, CaseIterable {
    case idle
    case busy
    case dead
    case draining
    case cordoned
    case pending
}

/// `state` of `klaro_hosts`: the operator's state of a host, or `dead` when an admitted host
/// has no live slot.
public enum HostStateLabel: String, Sendable, CaseIterable {
    case pending
    case active
    case draining
    case cordoned
    case refused
    case dead
}

/// `status` of `klaro_accounts`.
public enum AccountStatusLabel: String, Sendable, CaseIterable {
    case active
    case authFailed = "auth_failed"
    case paused
    case disabled
}

/// `dependency` of `klaro_dependency_up`.
public enum DependencyLabel: String, Sendable, CaseIterable {
    case postgres
    case redis
}

/// `reason` of `klaro_placement_moves_total`: why an account changed slot (DESIGN §4).
public enum PlacementMoveReason: String, Sendable, CaseIterable {
    /// The account had no slot yet.
    case new
    /// Its slot died or was removed.
    case slotGone = "slot_gone"
    /// Its host is draining.
    case drain
    /// Its slot holds more than its bounded-load capacity.
    case overCapacity = "over_capacity"
    /// An operator pinned the account to another slot.
    case pin
    /// An operator's explicit rebalance.
    case rebalance
    /// Load relief: its slot drifted past its load bound (issue 13).
    case load
}

/// `result` of `klaro_host_syncs_total{host,result}`: a sync's outcome folded to what an
/// operator does about one host (issue 16 keeps per-host series few; the full outcome is
/// counted fleet-wide by `klaro_syncs_total{outcome}`).
public enum HostSyncResult: String, Sendable, CaseIterable {
    /// The sync succeeded.
    case ok
    /// The worker answered with a failure: of the account (credentials), of the terminal, or
    /// of the sync (timeout). Every failure has a duration, so `ok + failed` are the timed syncs.
    case failed
    /// No result came by the job's deadline (klarod's rescuer): the host died or is stuck.
    case lost

    public init(_ outcome: SyncOutcome) {
        switch outcome {
        case .ok: self = .ok
        case .lost: self = .lost
        case .authFailed, .otpRequired, .timeout, .ipcError, .terminalError, .sealRejected, .wrongAccount,
             .terminalIncompatible:
            self = .failed
        }
    }
}
