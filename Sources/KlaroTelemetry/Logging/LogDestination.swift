import Glibc

/// Where klarod's logs go, as configured by `KLARO_LOG`.
public enum LogDestination: String, Sendable, CaseIterable {
    /// Structured entries to journald (``JournaldLogHandler``).
    case journald
    /// logfmt lines on stderr (``LogfmtLogHandler``).
    case stderr
    /// journald when stderr is connected to the journal, otherwise stderr.
    case auto

    /// The environment variable that selects the destination.
    public static let environmentKey = "KLARO_LOG"

    /// Reads `KLARO_LOG`; unset or empty means ``auto``.
    /// - Throws: ``TelemetryError/invalidLogDestination(_:)`` for any other value.
    public init(environment: [String: String]) throws(TelemetryError) {
        let raw = (environment[Self.environmentKey] ?? "").trimmingASCIIWhitespace().lowercased()
        if raw.isEmpty {
            self = .auto
            return
        }
        guard let destination = LogDestination(rawValue: raw) else {
            throw .invalidLogDestination(environment[Self.environmentKey] ?? "")
        }
        self = destination
    }

    /// Decides the concrete sink.
    ///
    /// For ``auto`` this follows systemd's advice (systemd.exec(5), `$JOURNAL_STREAM`): a service
    /// whose stderr *is* the journal stream sees `JOURNAL_STREAM=dev:inode` matching stderr's
    /// `fstat`, and should then log natively. A mismatch means stderr was redirected (a pipe,
    /// a terminal, a child process that inherited the variable), so plain lines go there.
    /// - Parameters:
    ///   - environment: the process environment (only `JOURNAL_STREAM` is read).
    ///   - stderrDescriptor: the descriptor compared with `JOURNAL_STREAM`; stderr in production.
    public func resolve(environment: [String: String], stderrDescriptor: Int32 = STDERR_FILENO) -> LogSink {
        switch self {
        case .journald: .journald
        case .stderr: .stderr
        case .auto:
            Self.isJournalStream(environment["JOURNAL_STREAM"], descriptor: stderrDescriptor) ? .journald : .stderr
        }
    }

    /// True when `journalStream` (`"dev:inode"`, decimal) names the file open on `descriptor`.
    static func isJournalStream(_ journalStream: String?, descriptor: Int32) -> Bool {
        guard let journalStream else { return false }
        let parts = journalStream.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}

/// The sink a ``LogDestination`` resolved to.
public enum LogSink: String, Sendable {
    case journald
    case stderr
}

extension String {
    fileprivate func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[first...last])
    }
}
