import Glibc
import Logging

/// A swift-log handler that writes one logfmt line per entry to stderr (or another descriptor).
///
/// Each line is handed to the kernel in a single `write(2)`, so lines from concurrent tasks do
/// not interleave (a pipe guarantees this up to `PIPE_BUF` bytes; a terminal or file in practice).
public struct LogfmtLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public var logLevel: Logger.Level

    private let label: String
    private let fileDescriptor: Int32

    /// - Parameters:
    ///   - label: the logger's label, written as `logger=`.
    ///   - level: the lowest level written.
    ///   - fileDescriptor: where lines go; stderr unless a test passes a pipe.
    public init(
        label: String,
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil,
        fileDescriptor: Int32 = STDERR_FILENO
    ) {
        self.label = label
        self.logLevel = level
        self.metadataProvider = metadataProvider
        self.fileDescriptor = fileDescriptor
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
        Self.writeLine(level: event.level, label: label, message: event.message.description, metadata: merged, to: fileDescriptor)
    }

    /// Formats an entry of merged metadata as one logfmt line, stamped now, and writes it; also
    /// the journald handler's fallback when libsystemd refuses an entry.
    static func writeLine(
        level: Logger.Level, label: String, message: String, metadata: Logger.Metadata, to fileDescriptor: Int32
    ) {
        let line = LogfmtFormatter.format(
            epochMilliseconds: LogfmtFormatter.nowEpochMilliseconds(),
            level: level,
            label: label,
            message: message,
            metadata: metadata
        )
        writeAll(line, to: fileDescriptor)
    }

    /// Writes the bytes in one call; only a short write (rare, and then not atomic anyway) or
    /// EINTR makes it continue with the rest.
    private static func writeAll(_ bytes: [UInt8], to fileDescriptor: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    return  // Nowhere left to report a failing stderr.
                }
            }
        }
    }
}
