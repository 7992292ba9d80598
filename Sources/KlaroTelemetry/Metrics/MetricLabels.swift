// The closed sets of label values klarod's metrics accept (DESIGN §9, §10). Taking these enums
// instead of strings keeps label cardinality bounded: an account id can never become a label.
// They are separate from KlaroCore's domain types on purpose: the metric vocabulary is a public
// contract of dashboards and alerts, and must not change just because a domain type does.

/// `outcome` of `klaro_syncs_total` (DESIGN §9).
public enum SyncOutcomeLabel: String, Sendable, CaseIterable {
    case ok
    case authFailed = "auth_failed"
    case otpRequired = "otp_required"
    case timeout
    case ipcError = "ipc_error"
    case terminalError = "terminal_error"
    case lost
}

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

/// `reason` of `klaro_results_rejected_total`: why the ingestor dead-lettered a result.
public enum ResultRejectionReason: String, Sendable, CaseIterable {
    /// The message is not JSON.
    case invalidJSON = "invalid_json"
    /// JSON, but not a valid protocol v1 result.
    case schema
    /// No job with this id was dispatched.
    case unknownJob = "unknown_job"
    /// The fence does not match the job's current fence (an older attempt).
    case staleFence = "stale_fence"
    /// Sent by a host or slot the job was not dispatched to.
    case wrongSlot = "wrong_slot"
    /// The account in the result is not the job's account.
    case accountMismatch = "account_mismatch"
    /// The job already finished (for example it was declared lost).
    case lateResult = "late_result"
    /// The message exceeds the size limit.
    case tooLarge = "too_large"
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
}
