import Testing
import KlaroCore

@Suite struct SyncOutcomeTests {
    @Test(arguments: [
        (1, SyncOutcome.ok),
        (-6, .authFailed),
        (-7, .otpRequired),
        (-10005, .timeout),
        (-10000, .ipcError), (-10001, .ipcError), (-10002, .ipcError), (-10003, .ipcError), (-10004, .ipcError),
        (-1, .terminalError), (-2, .terminalError), (-5, .terminalError), (-8, .terminalError),
        (-9999, .terminalError), (-10006, .terminalError), (0, .terminalError), (2, .terminalError),
    ])
    func classifiesMT5Codes(code: Int, expected: SyncOutcome) {
        #expect(SyncOutcome.classify(mt5ErrorCode: code) == expected)
    }

    @Test func minusSevenOutsideLoginDoesNotPark() {
        #expect(SyncOutcome.classify(mt5ErrorCode: -7, atLogin: false) == .terminalError)
        #expect(SyncOutcome.classify(mt5ErrorCode: -6, atLogin: false) == .authFailed)
    }

    @Test func retryAndParkFlags() {
        let retryable: Set<SyncOutcome> = [.timeout, .ipcError, .terminalError, .lost]
        let parking: Set<SyncOutcome> = [.authFailed, .otpRequired]
        for outcome in SyncOutcome.allCases {
            #expect(outcome.isRetryable == retryable.contains(outcome), "\(outcome)")
            #expect(outcome.parksAccount == parking.contains(outcome), "\(outcome)")
            #expect(!(outcome.isRetryable && outcome.parksAccount))
        }
    }

    @Test func rawValuesAreTheProtocolStrings() {
        #expect(SyncOutcome.allCases.map(\.rawValue)
            == ["ok", "auth_failed", "otp_required", "timeout", "ipc_error", "terminal_error", "lost"])
        #expect(SyncOutcome(rawValue: "ipc_error") == .ipcError)
    }
}
