import Logging
import Testing

@testable import KlaroTelemetry

@Suite struct JournalFieldEncoderTests {
    private func entry(
        message: String = "sync finished",
        level: Logger.Level = .info,
        metadata: Logger.Metadata = [:]
    ) -> JournalEntry {
        JournalEntry(
            message: message,
            level: level,
            identifier: "klarod",
            loggerLabel: "klaro.ingest",
            file: "KlaroControlPlane/Ingestor.swift",
            function: "ingest(_:)",
            line: 42,
            metadata: metadata
        )
    }

    /// Splits each `KEY=value` array at its first `=`.
    private func decoded(_ fields: [[UInt8]]) throws -> [(name: String, value: [UInt8])] {
        try fields.map { field in
            let equals = try #require(field.firstIndex(of: UInt8(ascii: "=")))
            return (String(decoding: field[..<equals], as: UTF8.self), Array(field[(equals + 1)...]))
        }
    }

    private func value(_ name: String, in fields: [(name: String, value: [UInt8])]) -> String? {
        let matches = fields.filter { $0.name == name }
        return matches.count == 1 ? String(decoding: matches[0].value, as: UTF8.self) : nil
    }

    @Test func standardFieldsComeFirstInFixedOrder() throws {
        let fields = try decoded(JournalFieldEncoder.encode(entry()))
        #expect(fields.map(\.name) == ["MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "KLARO_LOGGER"])
        #expect(value("MESSAGE", in: fields) == "sync finished")
        #expect(value("PRIORITY", in: fields) == "6")
        #expect(value("SYSLOG_IDENTIFIER", in: fields) == "klarod")
        #expect(value("CODE_FILE", in: fields) == "KlaroControlPlane/Ingestor.swift")
        #expect(value("CODE_LINE", in: fields) == "42")
        #expect(value("CODE_FUNC", in: fields) == "ingest(_:)")
        #expect(value("KLARO_LOGGER", in: fields) == "klaro.ingest")
    }

    @Test(arguments: [
        (Logger.Level.trace, 7), (.debug, 7), (.info, 6), (.notice, 5), (.warning, 4), (.error, 3), (.critical, 2),
    ])
    func priorityFollowsSyslog(level: Logger.Level, priority: Int) throws {
        #expect(JournalFieldEncoder.syslogPriority(of: level) == priority)
        let fields = try decoded(JournalFieldEncoder.encode(entry(level: level)))
        #expect(value("PRIORITY", in: fields) == String(priority))
    }

    @Test func multiLineAndNonASCIIMessagesAreKeptByteForByte() throws {
        let message = "first line\nsecond line: Zürich €5 — 取引\n\tindented\r\nlast\u{0}nul"
        let fields = try decoded(JournalFieldEncoder.encode(entry(message: message)))
        let raw = try #require(fields.first { $0.name == "MESSAGE" }).value
        #expect(raw == Array(message.utf8))
    }

    @Test(arguments: [
        ("job_id", "KLARO_JOB_ID"),
        ("account.id", "KLARO_ACCOUNT_ID"),
        ("ÿ-x", "KLARO___X"),
        ("Host", "KLARO_HOST"),
        ("slot2", "KLARO_SLOT2"),
        ("a b=c\nd", "KLARO_A_B_C_D"),
        ("", "KLARO_"),
        ("e\u{301}", "KLARO__"),  // one Character (e + combining accent) becomes one underscore
        ("🙂ok", "KLARO__OK"),
    ])
    func metadataKeysBecomeJournalFieldNames(key: String, expected: String) {
        #expect(JournalFieldEncoder.fieldName(forMetadataKey: key) == expected)
    }

    @Test func longKeysAreCutTo64Bytes() {
        let name = JournalFieldEncoder.fieldName(forMetadataKey: String(repeating: "k", count: 100))
        #expect(name.utf8.count == 64)
        #expect(name == "KLARO_" + String(repeating: "K", count: 58))
        let nonASCII = JournalFieldEncoder.fieldName(forMetadataKey: String(repeating: "ж", count: 100))
        #expect(nonASCII.utf8.count == 64)
        #expect(nonASCII.allSatisfy { $0 == "_" || ("A"..."Z").contains($0) })
    }

    @Test func everyMetadataEntryBecomesAField() throws {
        let metadata: Logger.Metadata = [
            "job_id": "0b6f…-job",
            "account.id": "4711",
            "note": "line one\nline two",
            "count": .stringConvertible(3),
        ]
        let fields = try decoded(JournalFieldEncoder.encode(entry(metadata: metadata)))
        #expect(value("KLARO_JOB_ID", in: fields) == "0b6f…-job")
        #expect(value("KLARO_ACCOUNT_ID", in: fields) == "4711")
        #expect(value("KLARO_NOTE", in: fields) == "line one\nline two")
        #expect(value("KLARO_COUNT", in: fields) == "3")
        #expect(fields.count == 7 + metadata.count)
    }

    @Test func nestedMetadataIsFlattenedDeterministically() throws {
        let metadata: Logger.Metadata = [
            "terminal": ["build": "4755", "connected": "true", "ping": ["ms": "31"]],
            "hosts": ["h1", "h2", ["x": "y"]],
        ]
        let fields = try decoded(JournalFieldEncoder.encode(entry(metadata: metadata)))
        #expect(value("KLARO_TERMINAL", in: fields) == "{build: 4755, connected: true, ping: {ms: 31}}")
        #expect(value("KLARO_HOSTS", in: fields) == "[h1, h2, {x: y}]")
    }

    @Test func fieldNamesAreValidForJournald() throws {
        let metadata: Logger.Metadata = ["ÿ-x": "1", "__proto": "2", "9lives": "3", String(repeating: "z", count: 80): "4"]
        for (name, _) in try decoded(JournalFieldEncoder.encode(entry(metadata: metadata))) {
            #expect(name.utf8.count <= 64)
            #expect(!name.hasPrefix("_"))
            #expect(!(name.first?.isNumber ?? true))
            #expect(name.utf8.allSatisfy { (65...90).contains($0) || (48...57).contains($0) || $0 == 95 })
        }
    }
}
