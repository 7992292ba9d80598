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

    /// True when the account should be tried again after a backoff.
    public var isRetryable: Bool {
        switch self {
        case .timeout, .ipcError, .terminalError, .lost: true
        case .ok, .authFailed, .otpRequired: false
        }
    }

    /// True when the account is parked (`auth_failed`) until its credentials change.
    public var parksAccount: Bool {
        switch self {
        case .authFailed, .otpRequired: true
        case .ok, .timeout, .ipcError, .terminalError, .lost: false
        }
    }

    /// Classifies an MT5 `last_error()` code (DESIGN §9).
    ///
    /// `1` is `ok`, `-6` `auth_failed`, `-7` `otp_required`, `-10005` `timeout`,
    /// `-10000`…`-10004` `ipc_error`; every other code, positive or negative, is
    /// `terminal_error`. MT5 uses `-7` ("unsupported") outside login too, where it says nothing
    /// about credentials: pass `atLogin: false` for codes of data calls so that it does not
    /// park the account.
    /// - Parameters:
    ///   - mt5ErrorCode: the code of MT5's `last_error()`.
    ///   - atLogin: whether the code came from `login()` (the default).
    public static func classify(mt5ErrorCode: Int, atLogin: Bool = true) -> SyncOutcome {
        switch mt5ErrorCode {
        case 1: .ok
        case -6: .authFailed
        case -7 where atLogin: .otpRequired
        case -10005: .timeout
        case -10004 ... -10000: .ipcError
        default: .terminalError
        }
    }
}
