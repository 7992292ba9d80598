import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Logging
import ServiceLifecycle

/// klarod's parts, built from its configuration, and the services that run them.
///
/// The daemon's `main` only loads the configuration, bootstraps logging and metrics, and
/// runs ``services(notifier:)`` in a `ServiceGroup`; tests build the same thing in-process.
public final class ControlPlane: Sendable {
    public let configuration: KlaroConfiguration
    public let pool: PostgresPool
    public let telemetry: MetricsBootstrap
    public let checker: DependencyChecker
    public let leadership: LeaderElection
    public let scheduler: Scheduler
    public let ingestors: [Ingestor]
    public let rescuer: Rescuer
    public let fleetMonitor: FleetMonitor
    public let statusReporter: StatusReporter
    public let syncPolicy: SyncPolicyController
    public let housekeeping: Housekeeping
    public let accountEvents: AccountEventHub
    public let memoryTrimmer: MemoryTrimmer
    public let listeningPort = ListeningPort()
    /// Every Redis client the parts use; each is a service, closed at shutdown after its users.
    private let redisClients: [RedisClient]
    /// Token verification, and the built-in identity when no Supabase project is configured.
    let identity: Identity
    private let logger: Logger

    public init(configuration: KlaroConfiguration, telemetry: MetricsBootstrap, logger: Logger) throws {
        self.configuration = configuration
        self.telemetry = telemetry
        self.logger = logger
        pool = PostgresPool(
            configuration: .init(url: configuration.databaseURL, size: configuration.databasePoolSize),
            logger: logger
        )
        let migrator = Migrator(pool: pool, migrations: try Migration.bundled(), logger: logger)
        var redisClients: [RedisClient] = []
        // One client (connection and thread) per part that may block on Redis.
        let newRedisClient = {
            let client = RedisClient(configuration: configuration.redis, logger: logger)
            redisClients.append(client)
            return client
        }
        checker = DependencyChecker(
            pool: pool,
            redis: newRedisClient(),
            migrator: migrator,
            metrics: telemetry.metrics,
            logger: logger
        )
        guard let keyRing = configuration.credentialKeys else {
            throw ConfigurationError(problems: [ConfigurationProblem(key: ConfigurationKey.credentialKeys, message: "is required")])
        }
        let settings = configuration.sync
        let metrics = telemetry.metrics
        let control = newRedisClient()
        leadership = LeaderElection(url: configuration.databaseURL, metrics: metrics, logger: logger)
        scheduler = Scheduler(
            pool: pool, redis: newRedisClient(),
            vault: CredentialVault(keyRing: keyRing), leadership: leadership, settings: settings, metrics: metrics, logger: logger
        )
        // Consumer names are stable per node, so a restarted klarod re-reads its own pending results.
        let pool = self.pool
        ingestors = (1...settings.ingestWorkers).map { index in
            Ingestor(
                pool: pool, redis: newRedisClient(), settings: settings,
                metrics: metrics, logger: logger, consumer: "klarod-\(configuration.nodeName)-\(index)"
            )
        }
        rescuer = Rescuer(pool: pool, redis: control, leadership: leadership, settings: settings, metrics: metrics, logger: logger)
        fleetMonitor = FleetMonitor(pool: pool, redis: control, leadership: leadership, settings: settings, metrics: metrics, logger: logger)
        statusReporter = StatusReporter(pool: pool, settings: settings, metrics: metrics, logger: logger)
        syncPolicy = SyncPolicyController(pool: pool, leadership: leadership, settings: settings, metrics: metrics, logger: logger)
        accountEvents = AccountEventHub(url: configuration.databaseURL, logger: logger)
        housekeeping = Housekeeping(pool: pool, redis: control, leadership: leadership, settings: settings, logger: logger)
        memoryTrimmer = MemoryTrimmer(logger: logger)
        self.redisClients = redisClients
        identity = try Identity(configuration: configuration, pool: pool, logger: logger)
    }

    /// The services in start order; a `ServiceGroup` stops them in reverse, so the HTTP server
    /// stops taking requests before the pool closes, and the notifier (last) says STOPPING=1
    /// first.
    public func services(notifier: SystemdNotifier?) -> [any Service] {
        let routes: [any RouteGroup] = [
            HealthRoutes(checker: checker), MetricsRoute(telemetry: telemetry),
            APIRoutes(configuration: configuration, pool: pool, identity: identity, events: accountEvents), IdentityRoutes(service: identity.service),
            AdminRoutes(controlPlane: self), WebAppRoutes(root: configuration.webRoot),
        ]
        let port = listeningPort
        let logger = self.logger
        let host = configuration.httpHost
        let http = HTTPServer.makeApplication(
            host: configuration.httpHost, port: configuration.httpPort, routes: routes,
            clientAddress: ClientAddress(trustedProxies: configuration.trustedProxies), logger: logger
        ) { bound in
            port.set(bound)
            logger.notice("klarod is listening", metadata: ["address": "\(host):\(bound)"])
            notifier?.ready()
        }
        var services: [any Service] = [pool] + redisClients + [
            checker, leadership, fleetMonitor, scheduler, rescuer, statusReporter, syncPolicy, housekeeping, accountEvents,
            memoryTrimmer,
        ] + ingestors + [http]
        if let notifier { services.append(notifier) }
        return services
    }
}
