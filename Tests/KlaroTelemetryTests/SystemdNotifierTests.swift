import Glibc
import Logging
import ServiceLifecycle
import Testing

@testable import KlaroTelemetry

/// Runs the real libsystemd `sd_notify` against a fake `NOTIFY_SOCKET`. The suite is serialized
/// because `NOTIFY_SOCKET` and `WATCHDOG_USEC` are process-wide environment variables.
@Suite(.serialized) struct SystemdNotifierTests {
    private static let quietLogger = Logger(label: "klaro.test.notify") { _ in SwiftLogNoOpLogHandler() }

    /// Points libsystemd at a fresh socket for the duration of `body`.
    private func withNotifySocket(
        watchdogMicroseconds: UInt64?,
        _ body: (DatagramSocket) async throws -> Void
    ) async throws {
        let socket = try DatagramSocket(name: "notify")
        defer {
            unsetenv("NOTIFY_SOCKET")
            unsetenv("WATCHDOG_USEC")
            unsetenv("WATCHDOG_PID")
            socket.close()
        }
        setenv("NOTIFY_SOCKET", socket.path, 1)
        unsetenv("WATCHDOG_PID")
        if let watchdogMicroseconds {
            setenv("WATCHDOG_USEC", String(watchdogMicroseconds), 1)
        } else {
            unsetenv("WATCHDOG_USEC")
        }
        try await body(socket)
    }

    private func text(_ datagram: Datagram) -> String {
        String(decoding: datagram.bytes, as: UTF8.self)
    }

    @Test func readyAndStatusReachTheNotifySocket() async throws {
        try await withNotifySocket(watchdogMicroseconds: nil) { socket in
            let notifier = SystemdNotifier(logger: Self.quietLogger)
            notifier.ready()
            let ready = try await socket.receive(timeout: .seconds(10))
            #expect(text(ready) == "READY=1")
            notifier.status("syncing 12 accounts\non 3 hosts")
            let status = try await socket.receive(timeout: .seconds(10))
            #expect(text(status) == "STATUS=syncing 12 accounts on 3 hosts")
            let nothingMore = try socket.receive()
            #expect(nothingMore == nil)
        }
    }

    @Test func watchdogIntervalComesFromTheEnvironment() async throws {
        try await withNotifySocket(watchdogMicroseconds: 30_000_000) { _ in
            #expect(SystemdNotifier.watchdogInterval() == .seconds(30))
            setenv("WATCHDOG_PID", String(getpid() + 1), 1)
            #expect(SystemdNotifier.watchdogInterval() == nil, "the watchdog belongs to another process")
            setenv("WATCHDOG_PID", String(getpid()), 1)
            #expect(SystemdNotifier.watchdogInterval() == .seconds(30))
        }
        try await withNotifySocket(watchdogMicroseconds: nil) { _ in
            #expect(SystemdNotifier.watchdogInterval() == nil)
        }
    }

    @Test func feedsTheWatchdogAndSaysStoppingOnGracefulShutdown() async throws {
        try await withNotifySocket(watchdogMicroseconds: 200_000) { socket in
            let notifier = SystemdNotifier(logger: Self.quietLogger)
            let group = ServiceGroup(configuration: .init(services: [notifier], logger: Self.quietLogger))
            let running = Task { try await group.run() }

            // Pings keep coming while the service runs.
            for _ in 0..<3 {
                let ping = try await socket.receive(timeout: .seconds(10))
                #expect(text(ping) == "WATCHDOG=1")
            }

            await group.triggerGracefulShutdown()
            try await running.value

            var after: [String] = []
            while let datagram = try socket.receive() {
                after.append(text(datagram))
            }
            // A ping may have been in flight when shutdown began; STOPPING=1 must come, once, and last.
            #expect(after.last == "STOPPING=1")
            #expect(after.filter { $0 == "STOPPING=1" }.count == 1)
            #expect(after.dropLast().allSatisfy { $0 == "WATCHDOG=1" })
        }
    }

    @Test func withoutAWatchdogOnlyStoppingIsSent() async throws {
        try await withNotifySocket(watchdogMicroseconds: nil) { socket in
            let notifier = SystemdNotifier(logger: Self.quietLogger)
            let group = ServiceGroup(configuration: .init(services: [notifier], logger: Self.quietLogger))
            let running = Task { try await group.run() }
            notifier.ready()
            let ready = try await socket.receive(timeout: .seconds(10))
            #expect(text(ready) == "READY=1")

            await group.triggerGracefulShutdown()
            try await running.value

            var after: [String] = []
            while let datagram = try socket.receive() {
                after.append(text(datagram))
            }
            #expect(after == ["STOPPING=1"])
        }
    }

    @Test func outsideSystemdNothingIsSentAndNothingFails() async throws {
        // A socket that hears the notifier while NOTIFY_SOCKET names it (the control), then
        // nothing once the variable is gone, even with a watchdog interval left behind.
        try await withNotifySocket(watchdogMicroseconds: 20_000) { socket in
            let notifier = SystemdNotifier(logger: Self.quietLogger)
            notifier.ready()
            let heard = try await socket.receive(timeout: .seconds(10))
            #expect(text(heard) == "READY=1")

            unsetenv("NOTIFY_SOCKET")
            notifier.ready()
            notifier.status("idle")
            let group = ServiceGroup(configuration: .init(services: [notifier], logger: Self.quietLogger))
            let running = Task { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))  // several watchdog periods
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(try socket.receive() == nil, "nothing reaches a socket systemd did not name")
        }
    }
}

extension Datagram: Equatable {
    static func == (lhs: Datagram, rhs: Datagram) -> Bool {
        lhs.bytes == rhs.bytes && lhs.descriptors == rhs.descriptors
    }
}
