import Glibc
import Logging
import Testing

@testable import KlaroTelemetry

@Suite struct LogDestinationTests {
    @Test(arguments: [
        ([String: String](), LogDestination.auto),
        (["KLARO_LOG": ""], .auto),
        (["KLARO_LOG": "auto"], .auto),
        (["KLARO_LOG": "journald"], .journald),
        (["KLARO_LOG": " STDERR\n"], .stderr),
    ])
    func readsKlaroLog(environment: [String: String], expected: LogDestination) throws {
        #expect(try LogDestination(environment: environment) == expected)
    }

    @Test func rejectsUnknownDestinationsWithAnActionableMessage() {
        #expect(throws: TelemetryError.invalidLogDestination("syslog")) {
            try LogDestination(environment: ["KLARO_LOG": "syslog"])
        }
        #expect(TelemetryError.invalidLogDestination("syslog").description.contains("KLARO_LOG"))
        #expect(TelemetryError.invalidLogDestination("syslog").description.contains("journald, stderr or auto"))
    }

    /// A pipe's read end stands in for stderr; its identity is what JOURNAL_STREAM would name.
    private func withDescriptor(_ body: (Int32, String) throws -> Void) throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer {
            close(ends[0])
            close(ends[1])
        }
        var status = stat()
        try #require(fstat(ends[0], &status) == 0)
        try body(ends[0], "\(status.st_dev):\(status.st_ino)")
    }

    @Test func autoPicksJournaldWhenJournalStreamIsStderr() throws {
        try withDescriptor { descriptor, identity in
            #expect(LogDestination.auto.resolve(environment: ["JOURNAL_STREAM": identity], stderrDescriptor: descriptor) == .journald)
        }
    }

    @Test func autoPicksStderrWhenJournalStreamNamesAnotherFile() throws {
        try withDescriptor { descriptor, identity in
            let parts = identity.split(separator: ":")
            let otherInode = "\(parts[0]):\(UInt64(parts[1])! + 1)"
            let otherDevice = "\(UInt64(parts[0])! + 1):\(parts[1])"
            for stream in [otherInode, otherDevice, "", "garbage", "\(identity):9", ":"] {
                #expect(
                    LogDestination.auto.resolve(environment: ["JOURNAL_STREAM": stream], stderrDescriptor: descriptor) == .stderr,
                    "JOURNAL_STREAM=\(stream)"
                )
            }
            #expect(LogDestination.auto.resolve(environment: [:], stderrDescriptor: descriptor) == .stderr)
        }
    }

    @Test func explicitDestinationsIgnoreJournalStream() throws {
        try withDescriptor { descriptor, identity in
            #expect(LogDestination.stderr.resolve(environment: ["JOURNAL_STREAM": identity], stderrDescriptor: descriptor) == .stderr)
            #expect(LogDestination.journald.resolve(environment: [:], stderrDescriptor: descriptor) == .journald)
        }
    }

    @Test func handlersMatchTheSink() {
        #expect(LoggingBootstrap.makeHandler(sink: .journald, label: "x") is JournaldLogHandler)
        #expect(LoggingBootstrap.makeHandler(sink: .stderr, label: "x") is LogfmtLogHandler)
        #expect(LoggingBootstrap.makeHandler(sink: .stderr, label: "x", level: .debug).logLevel == .debug)
    }

    @Test func bootstrapInstallsOnceAndKeepsTheFirstChoice() {
        let first = LoggingBootstrap.bootstrap(destination: .stderr, identifier: "klarod-test", level: .warning)
        #expect(first == .stderr)
        #expect(LoggingBootstrap.bootstrap(destination: .journald) == .stderr)
        #expect(Logger(label: "klaro.test.bootstrap").handler is LogfmtLogHandler)
        #expect(Logger(label: "klaro.test.bootstrap").logLevel == .warning)
    }
}
