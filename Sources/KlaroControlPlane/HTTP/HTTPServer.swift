import Hummingbird
import KlaroCore
import KlaroTelemetry
import Logging
import NIOCore
import Synchronization

/// Builds klarod's HTTP application: health, metrics, and the API routes added by later parts.
enum HTTPServer {
    static func makeRouter(routes: [any RouteGroup], clientAddress: ClientAddress) -> Router<KlaroRequestContext> {
        let router = Router(context: KlaroRequestContext.self)
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ClientAddressMiddleware(resolver: clientAddress))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: LogRequestsMiddleware(.debug))
        for group in routes { group.register(on: router) }
        return router
    }

    static func makeApplication(
        host: String, port: Int, routes: [any RouteGroup], clientAddress: ClientAddress, logger: Logger, onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        Application(
            router: makeRouter(routes: routes, clientAddress: clientAddress),
            configuration: .init(address: .hostname(host, port: port), serverName: "klarod"),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? port)
            },
            logger: logger
        )
    }
}

/// A set of routes that registers itself on the router.
protocol RouteGroup: Sendable {
    func register(on router: Router<KlaroRequestContext>)
}


/// The port the HTTP server bound (useful with port 0), for whoever waits for it.
public final class ListeningPort: Sendable {
    private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    public init() {}

    func set(_ port: Int) {
        let waiters = state.withLock { state in
            state.port = port
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: port) }
    }

    /// Waits until the server listens and returns its port.
    public func value() async -> Int {
        await withCheckedContinuation { continuation in
            let port = state.withLock { state -> Int? in
                if let port = state.port { return port }
                state.waiters.append(continuation)
                return nil
            }
            if let port { continuation.resume(returning: port) }
        }
    }
}
