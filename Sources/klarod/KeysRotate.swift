import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import Logging

/// `klarod keys rotate`: re-encrypts every stored MT5 password under the current key (the
/// first of KLARO_CREDENTIAL_KEYS), in batches. Safe to run while klarod serves, to stop, and
/// to run again: it picks up what is left.
struct KeysRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate",
        abstract: "Re-encrypt every stored MT5 password under the current credential key (resumable)."
    )

    @OptionGroup var options: CommonOptions

    @Option(help: "Accounts per transaction.")
    var batchSize = 500

    @Flag(help: "Only count the passwords not yet under the current key.")
    var dryRun = false

    func run() async throws {
        let configuration = try loadConfiguration(options, requiring: .database)
        _ = LoggingBootstrap.bootstrap(destination: configuration.log, identifier: "klarod", level: configuration.logLevel)
        guard let keyRing = configuration.credentialKeys else {
            FileHandle.standardError.write(Data("klarod keys rotate: KLARO_CREDENTIAL_KEYS is required: the current key first, then the old ones\n".utf8))
            throw ExitCode(exitConfigurationError)
        }
        let logger = Logger(label: "klarod.keys")
        let pool = PostgresPool(configuration: .init(url: configuration.databaseURL, size: 1, applicationName: "klarod-keys"), logger: logger)
        let rotation = CredentialRotation(pool: pool, vault: CredentialVault(keyRing: keyRing), batchSize: batchSize, logger: logger)
        do {
            let pending = try await rotation.pending()
            print("klarod: \(pending) stored password\(pending == 1 ? "" : "s") not under key \(keyRing.currentKeyID)")
            if dryRun || pending == 0 {
                await pool.close()
                return
            }
            let report = try await rotation.run { report in
                print("klarod: rotated \(report.rotated), failed \(report.failed.count)")
            }
            for failure in report.failed { print("klarod: cannot rotate \(failure)") }
            print("klarod: done: rotated \(report.rotated), changed meanwhile \(report.changedMeanwhile), "
                  + "failed \(report.failed.count), remaining \(report.remaining)")
            await pool.close()
            if !report.failed.isEmpty || report.remaining > 0 { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            FileHandle.standardError.write(Data("klarod keys rotate: \(error)\n".utf8))
            await pool.close()
            throw ExitCode(1)
        }
    }
}
