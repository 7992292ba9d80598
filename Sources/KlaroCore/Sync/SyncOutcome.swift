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
    /// `login()` answered True but the terminal stayed on another account; the worker sent no
    /// data and restarted its terminal. Retried; alerted on (one trader's data nearly stored
    /// under another's account).
    case wrongAccount = "wrong_account"
    /// `initialize()` failed with MT5's -5: the terminal updated itself past the Python module.
    /// Retried (another slot may be fine); the host needs an operator.
    case terminalIncompatible = "terminal_incompatible"

    /// True when the account should be tried again after a backoff.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .ipcError, .terminalError, .lost, .sealRejected, .wrongAccount, .terminalIncompatible: true
        case .ok, .authFailed, .otpRequired: false
        }
    }

    /// True when the account is parked (`auth_failed`) until its credentials change.
    public var parksAccount: Bool {
        switch self {
        case .authFailed, .otpRequired: true
        case .ok, .timeout, .ipcError, .terminalError, .lost, .sealRejected, .wrongAccount, .terminalIncompatible: false
        }
    }
}
