import CSystemd
import Glibc
import Logging

/// A swift-log handler that sends structured entries to journald through libsystemd's
/// `sd_journal_sendv`.
///
/// Every metadata entry becomes its own journal field (`job_id` → `KLARO_JOB_ID`), so
/// `journalctl KLARO_JOB_ID=…` finds a job's whole story. The encoding is
/// ``JournalFieldEncoder``; this type only merges metadata and hands the fields over.
/// If libsystemd reports an error the entry is written to stderr as logfmt instead of being
/// lost (under systemd stderr also reaches the journal, just without the fields).
public struct JournaldLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    private let label: String
    private let identifier: String

    /// - Parameters:
    ///   - label: the logger's label, sent as `KLARO_LOGGER`.
    ///   - identifier: `SYSLOG_IDENTIFIER`; `journalctl -t klarod` selects on it.
    ///   - level: the lowest level sent.
    public init(
        label: String,
        identifier: String = "klarod",
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) {
        self.label = label
        self.identifier = identifier
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let merged = LogMetadata.merged(
            handler: metadata,
            provider: metadataProvider,
            call: event.metadata,
            error: event.error
        )
        let entry = JournalEntry(
            message: event.message.description,
            level: event.level,
            identifier: identifier,
            loggerLabel: label,
            file: event.file,
            function: event.function,
            line: event.line,
            metadata: merged
        )
        if Self.send(JournalFieldEncoder.encode(entry)) < 0 {
            LogfmtLogHandler.writeLine(level: event.level, label: label, message: entry.message, metadata: merged, to: STDERR_FILENO)
        }
    }

    /// Sends fields with `sd_journal_sendv`; returns its result (0 on success, or when no
    /// journald listens; a negative errno on failure).
    ///
    /// The fields are copied into one buffer so that every `iovec` points into memory that
    /// stays valid for the whole call.
    static func send(_ fields: [[UInt8]]) -> Int32 {
        guard !fields.isEmpty else { return 0 }
        var storage: [UInt8] = []
        storage.reserveCapacity(fields.reduce(0) { $0 + $1.count })
        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(fields.count)
        for field in fields {
            let start = storage.count
            storage.append(contentsOf: field)
            ranges.append(start..<storage.count)
        }
        return storage.withUnsafeMutableBytes { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return -EINVAL }
            let vectors = ranges.map { iovec(iov_base: base + $0.lowerBound, iov_len: $0.count) }
            return vectors.withUnsafeBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
        }
    }
}
