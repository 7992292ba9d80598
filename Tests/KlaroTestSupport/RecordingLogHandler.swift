import Logging
import Synchronization

/// A log handler that keeps every record, for tests that check what was logged.
public struct RecordingLogHandler: LogHandler {
    public struct Record: Sendable {
        public let level: Logger.Level
        public let message: String
        public let metadata: Logger.Metadata
        public let label: String
        public let file: String
        public let function: String
        public let line: UInt
    }

    /// Shared store of records.
    public final class Store: Sendable {
        public let records = Mutex<[Record]>([])
        public init() {}
    }

    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .trace
    private let store: Store
    private let label: String

    public init(label: String, store: Store) {
        self.label = label
        self.store = store
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        store.records.withLock {
            $0.append(Record(level: event.level, message: "\(event.message)", metadata: merged, label: label,
                             file: event.file, function: event.function, line: event.line))
        }
    }

    /// A logger writing to `store`.
    public static func logger(_ label: String, store: Store) -> Logger {
        Logger(label: label) { label in RecordingLogHandler(label: label, store: store) }
    }
}
