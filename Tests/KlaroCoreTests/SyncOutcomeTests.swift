import Testing
import KlaroCore

@Suite struct SyncOutcomeTests {
    @Test func retryAndParkFlags() {
        let retryable: Set<SyncOutcome> = [.timeout, .ipcError, .terminalError, .lost, .sealRejected, .wrongAccount, .terminalIncompatible]
        let parking: Set<SyncOutcome> = [.authFailed, .otpRequired]
        for outcome in SyncOutcome.allCases {
            #expect(outcome.isRetryable == retryable.contains(outcome), "\(outcome)")
            #expect(outcome.parksAccount == parking.contains(outcome), "\(outcome)")
            #expect(!(outcome.isRetryable && outcome.parksAccount))
        }
    }

    @Test func rawValuesAreTheProtocolStrings() {
        #expect(SyncOutcome.allCases.map(\.rawValue)
            == ["ok", "auth_failed", "otp_required", "timeout", "ipc_error", "terminal_error", "lost", "seal_rejected",
               "wrong_account", "terminal_incompatible"])
        #expect(SyncOutcome(rawValue: "ipc_error") == .ipcError)
    }
}
