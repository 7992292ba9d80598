import Foundation
import KlaroPostgres
import Logging
import NIOPosix
import ServiceLifecycle
import Synchronization

/// Fans the ingest's account events out to the browsers connected to this replica.
///
/// One PostgreSQL session of its own `LISTEN`s on ``AccountEvent/channel`` (so every replica
/// hears every commit, whichever replica ingested it) on a thread of its own; each open
/// `/api/events` stream subscribes for its user. Streams also get a heartbeat, and a user may
/// hold only ``maxStreamsPerUser`` streams on one replica (a new one closes the oldest).
public final class AccountEventHub: Service, Sendable {
    enum Message: Sendable, Equatable {
        case event(AccountEvent)
        case heartbeat
    }

    /// A stream's handle: its messages, and its slot in the registry.
    struct Subscription: Sendable {
        let id: Int
        let messages: AsyncStream<Message>
    }

    private struct Registry {
        var nextID = 0
        var streams: [UUID: [Int: AsyncStream<Message>.Continuation]] = [:]
    }

    let maxStreamsPerUser: Int
    private let heartbeat: Duration
    private let logger: Logger
    private let thread = NIOThreadPool(numberOfThreads: 1)
    private let registry = Mutex(Registry())
    private let listener: PostgresListener
    /// True while the LISTEN session is up (tests wait for it before they commit).
    private let listening = Atomic<Bool>(false)

    public init(url: String, logger: Logger, maxStreamsPerUser: Int = 5, heartbeat: Duration = .seconds(15)) {
        self.listener = PostgresListener(url: url, channel: AccountEvent.channel, applicationName: "klarod-events")
        self.logger = logger
        self.maxStreamsPerUser = maxStreamsPerUser
        self.heartbeat = heartbeat
        thread.start()
    }

    public var isListening: Bool { listening.load(ordering: .acquiring) }

    /// Opens a stream for `user`. A user at ``maxStreamsPerUser`` loses their oldest stream
    /// first: a browser that reloads leaves its old stream open until a write fails, and those
    /// must not lock the user out of live updates.
    func subscribe(_ user: UUID) -> Subscription {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingNewest(256))
        let (id, evicted) = registry.withLock { registry -> (Int, AsyncStream<Message>.Continuation?) in
            registry.nextID += 1
            var streams = registry.streams[user, default: [:]]
            var evicted: AsyncStream<Message>.Continuation?
            if streams.count >= maxStreamsPerUser, let oldest = streams.keys.min() {
                evicted = streams.removeValue(forKey: oldest)
            }
            streams[registry.nextID] = continuation
            registry.streams[user] = streams
            return (registry.nextID, evicted)
        }
        evicted?.finish()
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(user, id: id) }
        return Subscription(id: id, messages: stream)
    }

    func streamCount(for user: UUID) -> Int {
        registry.withLock { $0.streams[user]?.count ?? 0 }
    }

    private func unsubscribe(_ user: UUID, id: Int) {
        registry.withLock { registry in
            registry.streams[user]?[id] = nil
            if registry.streams[user]?.isEmpty == true { registry.streams[user] = nil }
        }
    }

    /// Delivers one event to its user's streams on this replica.
    func deliver(_ event: AccountEvent) {
        let targets = registry.withLock { Array(($0.streams[event.userID] ?? [:]).values) }
        for continuation in targets { continuation.yield(.event(event)) }
    }

    private func beat() {
        let targets = registry.withLock { $0.streams.values.flatMap(\.values) }
        for continuation in targets { continuation.yield(.heartbeat) }
    }

    public func run() async throws {
        let clock = ContinuousClock()
        var nextBeat = clock.now.advanced(by: heartbeat)
        var failures = 0
        while !isStopping {
            do {
                let payloads = try await thread.runIfActive { [listener] in try listener.wait(timeout: 0.5) }
                listening.store(true, ordering: .releasing)
                failures = 0
                for payload in payloads {
                    if let event = AccountEvent.decode(payload: payload) { deliver(event) }
                }
            } catch {
                listening.store(false, ordering: .releasing)
                failures += 1
                if failures == 1 { logger.warning("account events: listening failed; retrying", metadata: ["error": "\(error)"]) }
                await pause(for: .seconds(1))
            }
            if clock.now >= nextBeat {
                beat()
                nextBeat = clock.now.advanced(by: heartbeat)
            }
        }
        listening.store(false, ordering: .releasing)
        registry.withLock { registry in
            registry.streams.values.flatMap(\.values).forEach { $0.finish() }
            registry.streams = [:]
        }
        _ = try? await thread.runIfActive { [listener] in listener.close() }
        try? await thread.shutdownGracefully()
    }
}
