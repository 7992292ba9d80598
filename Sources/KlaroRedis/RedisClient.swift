import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// A Redis client with one connection and one dedicated thread; commands run in the order
/// they are issued. Components that block (a consumer-group read) get a client of their own.
///
/// The connection is opened on first use and reopened after a failure, no sooner than an
/// exponential backoff (0.05 s doubling to 0.5 s, ``reconnectDelay(failures:)``) allows: a
/// command issued while backing off fails at once with
/// ``RedisError/connectionFailed(target:message:)`` instead of piling up.
/// A command that was cut off by a broken connection is not repeated, since it may have run.
///
/// A `Service`: in a `ServiceGroup` it closes its connection and thread at graceful shutdown,
/// after the services listed after it (its users) have stopped. Outside one, call ``close()``.
public final class RedisClient: Service, Sendable {
    private struct Backoff {
        var failures = 0
        var notBefore: ContinuousClock.Instant?
        var lastError: RedisError?
    }

    public let configuration: RedisConfiguration
    private let connection: RedisConnection
    private let thread: NIOThreadPool
    private let backoff = Mutex(Backoff())
    private let logger: Logger

    public init(configuration: RedisConfiguration, logger: Logger) {
        self.configuration = configuration
        self.connection = RedisConnection(configuration: configuration)
        self.thread = NIOThreadPool(numberOfThreads: 1)
        self.logger = logger
        thread.start()
    }

    // MARK: Service

    /// Waits for graceful shutdown, then closes the client.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Closes the connection and stops the thread; later commands fail with ``RedisError/closed``.
    public func close() async {
        try? await thread.shutdownGracefully()
        connection.close()
    }

    // MARK: Commands

    /// Runs one command; an error reply is thrown as ``RedisError/server(_:)``.
    @discardableResult
    public func command(_ arguments: [String], extraTimeout: Double = 0) async throws(RedisError) -> RedisReply {
        let reply = try await commandReply(arguments.map { Array($0.utf8) }, extraTimeout: extraTimeout)
        if case .error(let message) = reply { throw .server(message) }
        return reply
    }

    /// Runs one command given as raw byte arguments; error replies are returned.
    public func commandReply(_ arguments: [[UInt8]], extraTimeout: Double = 0) async throws(RedisError) -> RedisReply {
        try await pipeline([arguments], extraTimeout: extraTimeout)[0]
    }

    /// Sends several commands in one round trip; replies come back in order, error replies
    /// included as ``RedisReply/error(_:)``.
    public func pipeline(_ commands: [[[UInt8]]], extraTimeout: Double = 0) async throws(RedisError) -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let result: Result<[RedisReply], RedisError>
        do {
            result = try await thread.runIfActive { [self] in
                do throws(RedisError) {
                    try ensureConnected()
                } catch {
                    return .failure(error)
                }
                do throws(RedisError) {
                    return .success(try connection.pipeline(commands, extraTimeout: extraTimeout))
                } catch {
                    if error.isConnectionError { connectionFailed(error) }
                    return .failure(error)
                }
            }
        } catch {
            throw .closed
        }
        return try result.get()
    }

    /// Sends several string commands in one round trip.
    public func pipeline(_ commands: [[String]]) async throws(RedisError) -> [RedisReply] {
        try await pipeline(commands.map { $0.map { Array($0.utf8) } })
    }

    /// Checks that Redis answers.
    public func ping() async throws(RedisError) {
        let reply = try await command(["PING"])
        guard reply.string == "PONG" else { throw .unexpectedReply(command: "PING", reply: "\(reply)") }
    }

    // MARK: Connection

    /// Runs on the client's thread. Records its own failures; a refusal while backing off
    /// is not a new failure.
    private func ensureConnected() throws(RedisError) {
        if connection.isConnected { return }
        let now = ContinuousClock.now
        if let (notBefore, lastError) = backoff.withLock({ state in state.notBefore.map { ($0, state.lastError) } }),
           now < notBefore {
            throw lastError ?? .connectionFailed(target: configuration.target, message: "backing off")
        }
        do {
            try connection.connect()
        } catch {
            connectionFailed(error)
            throw error
        }
        let recovered = backoff.withLock { state -> Int in
            defer { state = Backoff() }
            return state.failures
        }
        if recovered > 0 {
            logger.info("Redis connection restored", metadata: ["target": "\(configuration.target)", "failures": "\(recovered)"])
        }
    }

    /// How long to wait before reconnecting after `failures` failures in a row. The bound is
    /// what keeps a replica's readiness within about a second of Redis answering again, however
    /// long the outage; an attempt against a Redis that is down costs one refused connection.
    static func reconnectDelay(failures: Int) -> Duration {
        let cap = Duration.milliseconds(500)
        guard failures > 0 else { return .zero }
        return min(cap, .milliseconds(50) * (1 << min(failures - 1, 10)))
    }

    private func connectionFailed(_ error: RedisError) {
        connection.close()
        let failures = backoff.withLock { state -> Int in
            state.failures += 1
            state.notBefore = ContinuousClock.now + Self.reconnectDelay(failures: state.failures)
            state.lastError = .connectionFailed(target: configuration.target, message: error.message)
            return state.failures
        }
        if failures == 1 {
            logger.warning("Redis connection failed", metadata: ["error": "\(error)"])
        }
    }
}

extension RedisError {
    /// The message without the target, to rewrap.
    var message: String {
        switch self {
        case .connectionFailed(_, let message), .connectionLost(_, let message): message
        default: description
        }
    }
}
