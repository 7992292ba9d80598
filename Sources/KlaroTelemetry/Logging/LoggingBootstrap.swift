import Foundation
import Logging
import Synchronization

/// Installs klarod's log handler in swift-log, once per process.
public enum LoggingBootstrap {
    private static let installed = Mutex<LogSink?>(nil)

    /// Resolves `destination` and calls `LoggingSystem.bootstrap` with the matching handler.
    ///
    /// swift-log allows one bootstrap per process; a second call here changes nothing and
    /// returns the sink chosen the first time.
    /// - Parameters:
    ///   - destination: from ``LogDestination/init(environment:)`` (`KLARO_LOG`).
    ///   - identifier: journald's `SYSLOG_IDENTIFIER`.
    ///   - level: the lowest level logged.
    ///   - metadataProvider: contributes metadata (such as a task-local job id) to every entry.
    /// - Returns: the sink in use.
    @discardableResult
    public static func bootstrap(
        destination: LogDestination = .auto,
        identifier: String = "klarod",
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> LogSink {
        installed.withLock { installed in
            if let installed { return installed }
            let sink = destination.resolve(environment: ProcessInfo.processInfo.environment)
            LoggingSystem.bootstrap(
                { label, provider in makeHandler(sink: sink, label: label, identifier: identifier, level: level, metadataProvider: provider) },
                metadataProvider: metadataProvider
            )
            installed = sink
            return sink
        }
    }

    /// The handler `bootstrap` installs for a sink; also useful to build a `Logger` by hand.
    public static func makeHandler(
        sink: LogSink,
        label: String,
        identifier: String = "klarod",
        level: Logger.Level = .info,
        metadataProvider: Logger.MetadataProvider? = nil
    ) -> any LogHandler {
        switch sink {
        case .journald:
            JournaldLogHandler(label: label, identifier: identifier, level: level, metadataProvider: metadataProvider)
        case .stderr:
            LogfmtLogHandler(label: label, level: level, metadataProvider: metadataProvider)
        }
    }
}
