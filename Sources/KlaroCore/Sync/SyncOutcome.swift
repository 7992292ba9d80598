import Foundation

/// How one sync ended (DESIGN §9). The raw values are the strings of the protocol and of
/// `sync_runs.outcome`.
public enum SyncOutcome: String, Codable, Sendable, CaseIterable {
    case ok
    case authFailed = "auth_failed"
    case otpRequired = "otp_required"
    case timeout
    case ipcError = "ipc_error"
    case terminalError = "terminal_error"
    /// No result arrived by the job's deadline; recorded by klarod's rescuer, never sent.
    case lost
    /// The worker refused the job's sealed password: not seal v2, sealed to another host key,
    /// bound to other job fields (job id, account, login, server), or altered. A sign of a
    /// tampered queue or a host key mix-up; a fresh job gets a fresh seal, so it is retried.
    case sealRejected = "seal_rejected"

    /// True when the account should be tried again after a backoff.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .ipcError, .terminalError, .lost, .sealRejected: true
        case .ok, .authFailed, .otpRequired: false
        }
    }

    /// True when the account is parked (`auth_failed`) until its credentials change.
    public var parksAccount: Bool {
        switch self {
        case .authFailed, .otpRequired: true
        case .ok, .timeout, .ipcError, .terminalError, .lost, .sealRejected: false
        }
    }
}
