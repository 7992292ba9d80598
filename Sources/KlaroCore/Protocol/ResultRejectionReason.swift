/// Why klarod refused a result (docs/protocol.md §9): the `reason` of its dead-letter entry and
/// of `klaro_results_rejected_total`.
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
