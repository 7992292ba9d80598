import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroRedis
import KlaroTelemetry
import Logging
import ServiceLifecycle

/// A klarod built and run in the test process, on a free port, against the given servers.
public final class RunningControlPlane: Sendable {
    public let controlPlane: ControlPlane
    public let baseURL: String
    public let adminToken: String
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    /// The public URL test klarods claim; user tokens carry `iss` = this + `/auth/v1`.
    public static let testPublicURL = "https://klaro.test"

    /// Settings for tests: a fresh admin token and key ring, port 0.
    public static func configuration(
        databaseURL: String, redisURL: String, sync: SyncSettings = SyncSettings()
    ) throws -> KlaroConfiguration {
        let environment = [
            "KLARO_DATABASE_URL": databaseURL,
            "KLARO_REDIS_URL": redisURL,
            "KLARO_HTTP_ADDRESS": "127.0.0.1:0",
            "KLARO_ADMIN_TOKEN": "test-admin-token-0123456789abcdef",
            "KLARO_JWT_SECRET": "test-jwt-secret-0123456789abcdef0123456789",
            "KLARO_CREDENTIAL_KEYS": try KeyRing.generateEntry(id: "test1"),
            "KLARO_LOG": "stderr",
            "KLARO_PUBLIC_URL": testPublicURL,
        ]
        var configuration = try KlaroConfiguration.load(environment: environment, requiring: .everything)
        configuration.sync = sync
        return configuration
    }

    public init(configuration: KlaroConfiguration, label: String = "klarod-test", logger: Logger? = nil) async throws {
        let logger = logger ?? TestServices.logger(label)
        controlPlane = try ControlPlane(
            configuration: configuration, telemetry: MetricsBootstrap(build: BuildInfo(version: "test", revision: "test")), logger: logger
        )
        adminToken = configuration.adminToken.reveal
        let group = ServiceGroup(services: controlPlane.services(notifier: nil), logger: logger)
        self.group = group
        task = Task { try await group.run() }
        let port = await controlPlane.listeningPort.value()
        baseURL = "http://127.0.0.1:\(port)"
    }

    /// Shuts down gracefully and waits until every service has stopped.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
