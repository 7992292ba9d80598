import CLibPQ
import Foundation
import Synchronization

/// A message a `NOTIFY` delivered to a connection that `LISTEN`s (read through
/// ``PostgresListener``, the only way outside KlaroPostgres).
struct PostgresNotification: Sendable, Equatable {
    let channel: String
    let payload: String
}

extension PostgresConnection {
    /// Starts listening on `channel` (an identifier: letters, digits and underscores).
    func listen(_ channel: String) throws(PostgresError) {
        precondition(channel.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "channel must be an identifier")
        try simpleQuery("LISTEN \(channel)")
    }

    /// Waits up to `timeout` seconds for notifications and returns those that arrived (empty
    /// after a quiet wait). Blocks its thread: call it from a thread of its own.
    func waitForNotifications(timeout: Double) throws(PostgresError) -> [PostgresNotification] {
        let socket: Int32 = try state.withLock { state throws(PostgresError) in
            guard let handle = state.handle else { throw .connectionLost(target: target, message: "closed") }
            return PQsocket(handle)
        }
        guard socket >= 0 else { throw .connectionLost(target: target, message: "no socket") }
        // Poll outside the lock so that close() can interrupt a quiet wait.
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        let ready = poll(&descriptor, 1, Int32(max(0, timeout * 1000)))
        if ready < 0 && errno != EINTR { throw .connectionLost(target: target, message: "poll failed (errno \(errno))") }
        return try state.withLock { state throws(PostgresError) in
            guard let handle = state.handle else { throw .connectionLost(target: target, message: "closed") }
            if ready > 0 && PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK {
                throw .connectionLost(target: target, message: Self.lastMessage(handle))
            }
            var notifications: [PostgresNotification] = []
            while let notify = PQnotifies(handle) {
                notifications.append(PostgresNotification(
                    channel: String(cString: notify.pointee.relname), payload: String(cString: notify.pointee.extra)))
                PQfreemem(notify)
            }
            return notifications
        }
    }
}
