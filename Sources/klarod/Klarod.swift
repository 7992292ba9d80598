import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import Logging
import ServiceLifecycle
import UnixSignals

/// klarod: the Klaro control-plane daemon.
@main
struct Klarod: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klarod",
        abstract: "Klaro control plane: schedules MT5 account syncs, ingests results, serves the API.",
        version: KlarodVersion.current,
        subcommands: [Serve.self, Migrate.self, Keys.self, Accounts.self, Users.self],
        defaultSubcommand: Serve.self
    )
}

/// Options every command takes.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "A file of KEY=value settings (KLARO_* variables override it).")
    var config: String?
}

enum KlarodVersion {
    static let current = "0.1.0"
    static var revision: String { ProcessInfo.processInfo.environment["KLARO_REVISION"] ?? "unknown" }
}

/// Exit code for configuration errors (sysexits EX_CONFIG).
let exitConfigurationError: Int32 = 78

/// Loads the configuration or exits with every problem listed.
func loadConfiguration(_ options: CommonOptions, requiring requirement: KlaroConfiguration.Requirement) throws -> KlaroConfiguration {
    do {
        return try KlaroConfiguration.load(
            environment: ProcessInfo.processInfo.environment, file: options.config, requiring: requirement
        )
    } catch {
        FileHandle.standardError.write(Data("klarod: \(error)\n".utf8))
        throw ExitCode(exitConfigurationError)
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon (the default command).")

    @OptionGroup var options: CommonOptions

    func run() async throws {
        MemoryTrimmer.configureAllocator()
        let configuration = try loadConfiguration(options, requiring: .everything)
        _ = LoggingBootstrap.bootstrap(destination: configuration.log, identifier: "klarod", level: configuration.logLevel)
        let logger = Logger(label: "klarod")
        let telemetry = MetricsBootstrap.bootstrap(build: BuildInfo(version: KlarodVersion.current, revision: KlarodVersion.revision))
        let controlPlane = try ControlPlane(configuration: configuration, telemetry: telemetry, logger: logger)
        let notifier = SystemdNotifier(logger: logger)
        let group = ServiceGroup(
            configuration: .init(
                services: controlPlane.services(notifier: notifier).map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        logger.info("klarod starting", metadata: ["version": "\(KlarodVersion.current)", "node": "\(configuration.nodeName)"])
        try await group.run()
        logger.info("klarod stopped")
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations, or list them with --status.")

    @OptionGroup var options: CommonOptions

    @Flag(help: "List every migration and whether it is applied; change nothing.")
    var status = false

    func run() async throws {
        let configuration = try loadConfiguration(options, requiring: .database)
        _ = LoggingBootstrap.bootstrap(destination: configuration.log, identifier: "klarod", level: configuration.logLevel)
        let logger = Logger(label: "klarod.migrate")
        let migrations = try Migration.bundled()
        do {
            try await PostgresPool.with(.init(url: configuration.databaseURL, size: 1, applicationName: "klarod-migrate"), logger: logger) { pool in
                let migrator = Migrator(pool: pool, migrations: migrations, logger: logger)
                if status {
                    let rows = try await migrator.status()
                    print("VERSION  NAME                          STATE     APPLIED AT")
                    for row in rows {
                        let name = row.name.padding(toLength: 30, withPad: " ", startingAt: 0)
                        let state = row.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)
                        let applied = row.appliedAt.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
                        print("\(String(format: "%04d", row.version))     \(name)\(state) \(applied)")
                    }
                    if rows.contains(where: { $0.state == .pending || $0.state == .modified }) { throw ExitCode(1) }
                } else {
                    let applied = try await migrator.migrate()
                    print(applied.isEmpty ? "klarod: schema is up to date" : "klarod: applied \(applied.map { "\($0.version)_\($0.name)" }.joined(separator: ", "))")
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("klarod migrate: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Keys: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage credential encryption keys.",
        subcommands: [Generate.self, KeysRotate.self]
    )

    struct Generate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a new key entry (id=base64) for KLARO_CREDENTIAL_KEYS.")

        @Option(help: "The key id, e.g. k2026a.")
        var id: String

        func run() throws {
            do {
                print(try KeyRing.generateEntry(id: id))
            } catch {
                FileHandle.standardError.write(Data("klarod keys generate: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }
}
