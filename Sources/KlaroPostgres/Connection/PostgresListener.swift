import Foundation
import Synchronization

/// A PostgreSQL session of its own that `LISTEN`s on one channel: a LISTEN belongs to its
/// connection, so it cannot come from the pool. The connection never leaves this type (like
/// the pool's, whose connections exist only inside its closures).
///
/// ``wait(timeout:)`` blocks: call it from a thread of your own, never the cooperative pool.
public final class PostgresListener: Sendable {
    private let url: String
    private let channel: String
    private let applicationName: String
    private let connection = Mutex<PostgresConnection?>(nil)

    public init(url: String, channel: String, applicationName: String) {
        self.url = url
        self.channel = channel
        self.applicationName = applicationName
    }

    /// (Re)connects and LISTENs when needed, then waits up to `timeout` seconds for
    /// notifications; returns the payloads sent on the channel. After an error the next call
    /// connects again.
    public func wait(timeout: Double) throws -> [String] {
        let session: PostgresConnection = try connection.withLock { current in
            if let current { return current }
            let opened = try PostgresConnection.connect(url: url, applicationName: applicationName, connectTimeout: 5, statementTimeout: 5)
            do {
                try opened.listen(channel)
            } catch {
                opened.close()
                throw error
            }
            current = opened
            return opened
        }
        do {
            return try session.waitForNotifications(timeout: timeout).filter { $0.channel == channel }.map(\.payload)
        } catch {
            close()
            throw error
        }
    }

    /// Closes the session (the next ``wait(timeout:)`` opens a new one).
    public func close() {
        connection.withLock { $0?.close(); $0 = nil }
    }
}
