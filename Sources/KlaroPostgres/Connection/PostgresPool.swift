import Foundation
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Settings of a ``PostgresPool``.
public struct PostgresPoolConfiguration: Sendable {
    /// libpq connection URL (`postgresql://user:pass@host:port/db?…`).
    public var url: String
    /// Most connections open at once; also the number of threads that run libpq calls.
    public var size: Int
    public var applicationName: String
    /// Seconds to wait for a server to accept a connection.
    public var connectTimeout: Int
    /// Seconds any one statement may run before the server cancels it (0: no limit).
    public var statementTimeout: Int

    public init(url: String, size: Int = 8, applicationName: String = "klarod", connectTimeout: Int = 5, statementTimeout: Int = 60) {
        self.url = url
        self.size = max(1, size)
        self.applicationName = applicationName
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
    }
}

/// A pool of libpq connections that is a swift-service-lifecycle `Service`.
///
/// libpq blocks, so every statement runs on one of the pool's own threads (an
/// `NIOThreadPool` with one thread per connection) and callers await it. Work is handed over
/// as a synchronous closure that gets a connection: a whole transaction runs in one hop.
/// Connections found closed by the server (it restarted) are replaced at checkout, a
/// closure that loses its connection midway is run once more on a fresh one, and a connection
/// that sent a large message is closed after use (its libpq buffers never shrink).
public final class PostgresPool: Service, Sendable {
    private enum Lease {
        case existing(PostgresConnection)
        case create
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Lease, any Error>
    }

    private struct State {
        var idle: [PostgresConnection] = []
        /// Connections open or being opened (idle ones included).
        var open = 0
        var waiters: [Waiter] = []
        var nextWaiterID = 0
        var closed = false
    }

    public let configuration: PostgresPoolConfiguration
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())
    private let logger: Logger

    public init(configuration: PostgresPoolConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.threadPool = NIOThreadPool(numberOfThreads: configuration.size)
        threadPool.start()
    }

    // MARK: Service

    /// Waits for graceful shutdown, then closes every connection.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    /// Fails waiting callers, closes idle connections and stops the threads.
    public func close() async {
        let (idle, waiters) = state.withLock { state -> ([PostgresConnection], [Waiter]) in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            return (state.idle, state.waiters)
        }
        waiters.forEach { $0.continuation.resume(throwing: PostgresError.poolClosed) }
        for connection in idle { connection.close() }
        try? await threadPool.shutdownGracefully()
    }

    // MARK: Work

    /// Runs `body` with a connection on one of the pool's threads.
    /// - Parameters:
    ///   - retryOnConnectionLoss: run `body` once more on a new connection if the connection
    ///     broke under it. Only for work that is safe to repeat (reads, idempotent writes, or
    ///     a transaction that did not commit).
    ///   - body: synchronous work; it may run twice when retrying.
    @discardableResult
    public func withConnection<T: Sendable>(
        retryOnConnectionLoss: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        do {
            return try await runOnce(body)
        } catch let error as PostgresError where retryOnConnectionLoss && error.isLostConnection {
            logger.info("PostgreSQL connection lost; retrying on a new connection", metadata: ["error": "\(error)"])
            return try await runOnce(body)
        }
    }

    /// Runs `body` inside `BEGIN … COMMIT` on one connection; rolls back if it throws.
    @discardableResult
    public func transaction<T: Sendable>(
        retryOnConnectionLoss: Bool = true,
        _ body: @escaping @Sendable (PostgresConnection) throws -> T
    ) async throws -> T {
        try await withConnection(retryOnConnectionLoss: retryOnConnectionLoss) { connection in
            try connection.simpleQuery("BEGIN")
            do {
                let value = try body(connection)
                try connection.simpleQuery("COMMIT")
                return value
            } catch {
                try? connection.simpleQuery("ROLLBACK")
                throw error
            }
        }
    }

    /// Runs one statement and returns its rows.
    @discardableResult
    public func query(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> PostgresRows {
        try await withConnection { try $0.query(sql, parameters) }
    }

    /// Runs one statement and returns how many rows it changed.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> Int {
        try await withConnection { try $0.execute(sql, parameters) }
    }

    /// Checks that the server answers (`SELECT 1`).
    public func ping() async throws {
        _ = try await query("SELECT 1")
    }

    // MARK: Checkout

    private func runOnce<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        let lease = try await acquire()
        let configuration = self.configuration
        // NIO skips a closure whose task was cancelled before a thread took it (and every
        // closure once the threads stop); the lease must then go back, or the pool shrinks.
        let started = StartFlag()
        do {
            return try await threadPool.runIfActive { [self] in
                started.set()
                let connection: PostgresConnection
                do {
                    connection = try materialize(lease, configuration: configuration)
                } catch {
                    release(nil)
                    throw error
                }
                do {
                    let value = try body(connection)
                    release(connection, broken: connection.isInTransaction || connection.needsRecycling)
                    return value
                } catch {
                    let broken = (error as? PostgresError)?.isConnectionError == true || connection.isInTransaction
                        || connection.needsRecycling
                    release(connection, broken: broken)
                    throw error
                }
            }
        } catch where !started.isSet {
            returnUnused(lease)
            if error is NIOThreadPoolError.ThreadPoolInactive || isClosed { throw PostgresError.poolClosed }
            throw error
        }
    }

    /// Gives back a lease whose work never ran.
    private func returnUnused(_ lease: Lease) {
        switch lease {
        case .existing(let connection): release(connection)
        case .create: release(nil)
        }
    }

    private var isClosed: Bool { state.withLock { $0.closed } }

    private func materialize(_ lease: Lease, configuration: PostgresPoolConfiguration) throws(PostgresError) -> PostgresConnection {
        if case .existing(let connection) = lease {
            if connection.isHealthy() { return connection }
            connection.close()
            logger.info("PostgreSQL connection was closed by the server; reconnecting", metadata: ["target": "\(connection.target)"])
        }
        return try PostgresConnection.connect(
            url: configuration.url,
            applicationName: configuration.applicationName,
            connectTimeout: configuration.connectTimeout,
            statementTimeout: configuration.statementTimeout
        )
    }

    private func acquire() async throws -> Lease {
        enum Step {
            case lease(Lease)
            case wait(Int)
            case closed
        }
        let step = state.withLock { state -> Step in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() { return .lease(.existing(connection)) }
            if state.open < configuration.size {
                state.open += 1
                return .lease(.create)
            }
            state.nextWaiterID += 1
            return .wait(state.nextWaiterID)
        }
        switch step {
        case .closed:
            throw PostgresError.poolClosed
        case .lease(let lease):
            return lease
        case .wait(let id):
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { continuation in
                    let enqueued = state.withLock { state -> Bool in
                        guard !state.closed, !Task.isCancelled else { return false }
                        state.waiters.append(Waiter(id: id, continuation: continuation))
                        return true
                    }
                    if !enqueued { continuation.resume(throwing: Task.isCancelled ? CancellationError() : PostgresError.poolClosed) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> Waiter? in
                    guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return state.waiters.remove(at: index)
                }
                waiter?.continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Returns a connection (nil when opening it failed) to the pool.
    private func release(_ connection: PostgresConnection?, broken: Bool = false) {
        enum Action {
            case none
            case hand(Waiter, Lease)
        }
        let discard = connection == nil || broken
        let (action, close) = state.withLock { state -> (Action, Bool) in
            if discard || state.closed {
                state.open -= 1
                guard !state.closed, !state.waiters.isEmpty else { return (.none, true) }
                state.open += 1
                return (.hand(state.waiters.removeFirst(), .create), true)
            }
            if !state.waiters.isEmpty, let connection {
                return (.hand(state.waiters.removeFirst(), .existing(connection)), false)
            }
            if let connection { state.idle.append(connection) }
            return (.none, false)
        }
        if close { connection?.close() }
        if case .hand(let waiter, let lease) = action {
            waiter.continuation.resume(returning: lease)
        }
    }
}

/// Whether a closure handed to the thread pool began to run.
private final class StartFlag: Sendable {
    private let value = Atomic(false)
    func set() { value.store(true, ordering: .sequentiallyConsistent) }
    var isSet: Bool { value.load(ordering: .sequentiallyConsistent) }
}

extension PostgresError {
    /// The connection broke while in use (not: the server refused to open one).
    var isLostConnection: Bool {
        if case .connectionLost = self { return true }
        return false
    }
}

extension PostgresPool {
    /// Runs `body` with a pool of its own and closes it afterwards, whether `body` throws or
    /// not: for commands and tools that use the database once (migrate, import, tests).
    @discardableResult
    public static func with<T: Sendable>(
        _ configuration: PostgresPoolConfiguration, logger: Logger, _ body: (PostgresPool) async throws -> T
    ) async throws -> T {
        let pool = PostgresPool(configuration: configuration, logger: logger)
        do {
            let value = try await body(pool)
            await pool.close()
            return value
        } catch {
            await pool.close()
            throw error
        }
    }
}
