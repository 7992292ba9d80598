import Foundation
import Glibc
import Logging
import Synchronization

/// Installs klarod's log handler in swift-log, once per process.
public enum LoggingBootstrap {
    private static let installed = Mutex<LogSink?>(nil)

    /// Resolves `destination` and calls `LoggingSystem.bootstrap` with the matching handler.
    ///
    /// swift-log allows one bootstrap per process; a second call here changes nothing and
    /// returns the sink chosen the first time. If journald is chosen but its socket does not
    /// exist, libsystemd would drop every entry silently, so stderr is used instead and a
    /// warning says why.
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
        let (sink, journaldMissing) = installed.withLock { installed -> (LogSink, Bool) in
            if let installed { return (installed, false) }
            let resolved = destination.resolve(environment: ProcessInfo.processInfo.environment)
            let journaldMissing = resolved == .journald && access(journalSocketPath, F_OK) != 0
            let sink: LogSink = journaldMissing ? .stderr : resolved
            LoggingSystem.bootstrap(
                { label, provider in
                    makeHandler(sink: sink, label: label, identifier: identifier, level: level, metadataProvider: provider)
                },
                metadataProvider: metadataProvider
            )
            installed = sink
            return (sink, journaldMissing)
        }
        if journaldMissing {
            Logger(label: "klaro.logging").warning(
                "KLARO_LOG asks for journald, but journald is not running here; logging to stderr",
                metadata: ["socket": "\(journalSocketPath)"]
            )
        }
        return sink
    }

    /// Where libsystemd sends native journal entries.
    static let journalSocketPath = "/run/systemd/journal/socket"

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
