import Logging
import Synchronization
import Testing

@testable import KlaroTelemetry

/// End-to-end through libsystemd's real `sd_journal_sendv`: entries are captured on a fake
/// journald socket (see ``JournalCapture``) and decoded with an independent protocol parser.
@Suite struct JournaldTransportTests {
    private func makeLogger(provider: Logger.MetadataProvider? = nil) -> Logger {
        var logger = Logger(label: "klaro.test.journal") { label in
            JournaldLogHandler(label: label, identifier: "klarod-test", level: .info, metadataProvider: provider)
        }
        logger[metadataKey: "host"] = "wh-01"
        logger[metadataKey: "job_id"] = "from-logger"
        return logger
    }

    @Test func entriesArriveWithEveryFieldIntact() async throws {
        let provider = Logger.MetadataProvider { ["request.id": "r-77", "job_id": "from-provider"] }
        let logger = makeLogger(provider: provider)
        let multiLine = "login failed\nbroker said: «Authorization failed» — 認証\n\ttrailing tab line\n"
        let lines = LockedBox<[UInt]>([])

        let entries = try await JournalCapture.capture {
            lines.value.withLock { $0.append(#line + 1) }
            logger.info("sync finished", metadata: ["job_id": "job-1", "outcome": "ok"])
            logger.debug("below the handler's level: never sent")
            lines.value.withLock { $0.append(#line + 1) }
            logger.error("\(multiLine)", metadata: ["nested": ["code": "-6", "tries": ["1", "2"]]])
        }
        let sourceLines = lines.value.withLock { $0 }

        try #require(entries.count == 2)
        let first = entries[0].fields
        #expect(entries[0].viaMemfd == false)
        #expect(first[field: "MESSAGE"] == "sync finished")
        #expect(first[field: "PRIORITY"] == "6")
        #expect(first[field: "SYSLOG_IDENTIFIER"] == "klarod-test")
        #expect(first[field: "KLARO_LOGGER"] == "klaro.test.journal")
        #expect(first[field: "CODE_LINE"] == String(sourceLines[0]))
        #expect(first[field: "CODE_FILE"]?.hasSuffix("JournaldTransportTests.swift") == true)
        #expect(first[field: "CODE_FUNC"]?.hasPrefix("entriesArriveWithEveryFieldIntact") == true)
        // Call metadata beats provider metadata, which beats logger metadata.
        #expect(first[field: "KLARO_JOB_ID"] == "job-1")
        #expect(first[field: "KLARO_HOST"] == "wh-01")
        #expect(first[field: "KLARO_REQUEST_ID"] == "r-77")
        #expect(first[field: "KLARO_OUTCOME"] == "ok")
        #expect(first.filter { $0.binary }.isEmpty)

        let second = entries[1].fields
        let message = try #require(second.first { $0.name == "MESSAGE" })
        #expect(message.binary, "a multi-line value must use the length-prefixed form")
        #expect(message.value == Array(multiLine.utf8))
        #expect(second[field: "PRIORITY"] == "3")
        #expect(second[field: "CODE_LINE"] == String(sourceLines[1]))
        #expect(second[field: "KLARO_JOB_ID"] == "from-provider")
        #expect(second[field: "KLARO_NESTED"] == "{code: -6, tries: [1, 2]}")
    }

    @Test func anEntryTooBigForADatagramArrivesThroughAMemfd() async throws {
        let logger = makeLogger()
        // libsystemd raises its send buffer to 8 MiB (the kernel doubles it); a bigger entry
        // fails with EMSGSIZE and is passed as a sealed memfd over SCM_RIGHTS instead.
        let block = String(repeating: "0123456789abcdef", count: 1024 * 1024 / 16)
        let huge = (0..<17).map { "block \($0) ü\n" + block }.joined(separator: "\n")

        let entries = try await JournalCapture.capture {
            logger.warning("\(huge)", metadata: ["job_id": "big"])
        }

        try #require(entries.count == 1)
        #expect(entries[0].viaMemfd)
        let message = try #require(entries[0].fields.first { $0.name == "MESSAGE" })
        #expect(message.binary)
        #expect(message.value.count == huge.utf8.count)
        #expect(message.value == Array(huge.utf8))
        #expect(entries[0].fields[field: "KLARO_JOB_ID"] == "big")
        #expect(entries[0].fields[field: "PRIORITY"] == "4")
    }

    @Test func manyEntriesInARowAllArriveInOrder() async throws {
        let logger = makeLogger()
        // More than the kernel's datagram queue holds (net.unix.max_dgram_qlen), so the sender
        // must really wait for the reader.
        let count = 64
        let entries = try await JournalCapture.capture {
            for index in 0..<count {
                logger.notice("entry \(index)", metadata: ["index": "\(index)"])
            }
        }
        #expect(entries.map { $0.fields[field: "MESSAGE"] } == (0..<count).map { "entry \($0)" })
        #expect(entries.allSatisfy { $0.fields[field: "PRIORITY"] == "5" })
    }
}
