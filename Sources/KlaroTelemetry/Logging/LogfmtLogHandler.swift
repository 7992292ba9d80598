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
        let line = LogfmtFormatter.format(
            epochMilliseconds: LogfmtFormatter.nowEpochMilliseconds(),
            level: event.level,
            label: label,
            message: event.message.description,
            metadata: merged
        )
        Self.writeAll(line, to: fileDescriptor)
    }

    /// Writes the bytes in one call; only a short write (rare, and then not atomic anyway) or
    /// EINTR makes it continue with the rest.
    static func writeAll(_ bytes: [UInt8], to fileDescriptor: Int32) {
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
