import CSystemd
import Logging
import ServiceLifecycle
import Synchronization

/// Tells systemd about klarod's state (`Type=notify`) and feeds its watchdog.
///
/// - ``ready()`` sends `READY=1`; the HTTP server calls it once its port is bound, so
///   `systemctl start` returns only when klarod answers.
/// - ``run()`` sends `WATCHDOG=1` every half watchdog interval while systemd asks for it
///   (`WatchdogSec=`), and `STOPPING=1` when graceful shutdown begins.
/// - ``status(_:)`` sets the one-line `STATUS=` shown by `systemctl status`.
///
/// All messages go through libsystemd's `sd_notify`, which honours `NOTIFY_SOCKET`; with no
/// socket (not under systemd) every call does nothing.
///
/// Place the notifier **last** in the `ServiceGroup`'s service list: the group shuts services
/// down in reverse order, so the notifier hears of the shutdown first and `STOPPING=1` goes
/// out at once. systemd stops enforcing the watchdog as soon as the unit is stopping.
public struct SystemdNotifier: Service {
    private let logger: Logger

    public init(logger: Logger = Logger(label: "klaro.systemd")) {
        self.logger = logger
    }

    /// Reports that start-up finished (`READY=1`).
    public func ready() {
        send("READY=1")
    }

    /// Sets the status line (`STATUS=`); newlines are replaced by spaces, since each line of a
    /// notification is a separate assignment.
    public func status(_ text: String) {
        let oneLine = String(text.map { $0.isNewline ? " " : $0 })
        send("STATUS=" + oneLine)
    }

    /// The watchdog interval systemd expects pings within, or nil when the watchdog is off.
    public static func watchdogInterval() -> Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(clamping: microseconds))
    }

    /// Feeds the watchdog until graceful shutdown (or just waits for it when there is no
    /// watchdog), sending `STOPPING=1` when the shutdown starts.
    public func run() async throws {
        let gate = StoppingGate()
        try await withGracefulShutdownHandler {
            if let interval = Self.watchdogInterval() {
                logger.debug("systemd watchdog enabled", metadata: ["interval_ms": "\(interval.milliseconds)"])
                await cancelWhenGracefulShutdown { await self.feedWatchdog(every: interval / 2, gate: gate) }
            } else {
                do {
                    try await gracefulShutdown()
                } catch is CancellationError {
                    return  // The group was cancelled outright: nothing left to do.
                }
            }
        } onGracefulShutdown: {
            gate.stop { self.send("STOPPING=1") }
        }
    }

    private func feedWatchdog(every period: Duration, gate: StoppingGate) async {
        while !Task.isCancelled {
            gate.unlessStopped { self.send("WATCHDOG=1") }
            do {
                try await Task.sleep(for: period)
            } catch {
                return  // Cancelled by graceful shutdown.
            }
        }
    }

    private func send(_ state: String) {
        let result = sd_notify(0, state)
        if result < 0 {
            logger.warning(
                "sd_notify failed; systemd may consider klarod unresponsive",
                metadata: ["state": "\(state.prefix(while: { $0 != "=" }))", "errno": "\(-result)"]
            )
        }
    }
}

/// Orders the last pings against `STOPPING=1`: once stopping is sent, no `WATCHDOG=1` follows it.
private final class StoppingGate: Sendable {
    private let stopped = Mutex(false)

    func unlessStopped(_ send: () -> Void) {
        stopped.withLock { stopped in
            if !stopped { send() }
        }
    }

    func stop(_ send: () -> Void) {
        stopped.withLock { stopped in
            guard !stopped else { return }
            stopped = true
            send()
        }
    }
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
