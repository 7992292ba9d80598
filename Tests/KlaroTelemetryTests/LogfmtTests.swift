import Glibc
import Logging
import Testing

@testable import KlaroTelemetry

@Suite struct LogfmtTests {
    private func line(_ message: String, metadata: Logger.Metadata = [:], level: Logger.Level = .info) -> String {
        String(
            decoding: LogfmtFormatter.format(
                epochMilliseconds: 1_795_593_597_123,
                level: level,
                label: "klarod",
                message: message,
                metadata: metadata
            ),
            as: UTF8.self
        )
    }

    @Test func plainEntry() {
        #expect(
            line("sync finished", metadata: ["job_id": "j-1", "host": "wh-01"])
                == "ts=2026-11-25T07:59:57.123Z level=info logger=klarod msg=\"sync finished\" host=wh-01 job_id=j-1\n"
        )
    }

    @Test(arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (1_795_593_597_123, "2026-11-25T07:59:57.123Z"),
        (951_782_400_007, "2000-02-29T00:00:00.007Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
    ])
    func timestamps(milliseconds: Int64, expected: String) {
        #expect(LogfmtFormatter.timestamp(epochMilliseconds: milliseconds) == expected)
    }

    @Test func quotesBackslashesAndNewlinesAreEscaped() {
        let text = line(#"he said "hi" \ bye"# + "\nnext\tline\r\u{1}")
        #expect(text.hasSuffix(#"msg="he said \"hi\" \\ bye\nnext\tline\r\u0001""# + "\n"))
        #expect(text.filter { $0 == "\n" }.count == 1)
    }

    @Test(arguments: [
        ("plain", "k=plain"),
        ("", #"k="""#),
        ("two words", #"k="two words""#),
        ("a=b", #"k="a=b""#),
        (#"quote""#, #"k="quote\"""#),
        (#"back\slash"#, #"k="back\\slash""#),
        ("multi\nline", #"k="multi\nline""#),
        ("Zürich→取引", "k=Zürich→取引"),
    ])
    func valuesAreQuotedOnlyWhenNeeded(value: String, expected: String) {
        #expect(line("m", metadata: ["k": .string(value)]).hasSuffix(" " + expected + "\n"))
    }

    @Test func awkwardKeysCannotBreakTheLine() {
        let text = line("m", metadata: ["a key=\"x\"": "1", "": "2"])
        #expect(text.contains(" _=2"))
        #expect(text.contains(" a_key__x_=1"))
    }

    @Test func nestedMetadataAndLevels() {
        let text = line("m", metadata: ["terminal": ["build": "4755", "ok": "true"]], level: .critical)
        #expect(text.contains(" level=critical "))
        #expect(text.hasSuffix(#" terminal="{build: 4755, ok: true}""# + "\n"))
    }

    @Test func handlerWritesOneLinePerEntryInOneWrite() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        defer { close(ends[0]) }
        let writeEnd = ends[1]
        let provider = Logger.MetadataProvider { ["trace": "t-1"] }
        var logger = Logger(label: "klaro.test") { label in
            LogfmtLogHandler(label: label, level: .notice, metadataProvider: provider, fileDescriptor: writeEnd)
        }
        logger[metadataKey: "replica"] = "a"
        logger.info("dropped: below notice")
        logger.notice("first\nentry", metadata: ["job_id": "j-9"])
        logger.error("second", error: TestError.broken)
        close(writeEnd)

        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        try #require(lines.count == 3)  // two entries and the empty remainder after the last newline
        #expect(lines[0].contains(#" level=notice logger=klaro.test msg="first\nentry" job_id=j-9 replica=a trace=t-1"#))
        #expect(lines[1].contains(#" level=error logger=klaro.test msg="second" error="broken: disk on fire" replica=a trace=t-1"#))
        #expect(lines[2].isEmpty)
    }

    private enum TestError: Error, CustomStringConvertible {
        case broken
        var description: String { "broken: disk on fire" }
    }
}
