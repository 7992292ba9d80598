import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTelemetry
import Logging

struct Accounts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Operator tools for MT5 accounts.",
        subcommands: [Import.self]
    )

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import accounts from a file of JSON lines (see docs), encrypting their passwords."
        )

        @OptionGroup var options: CommonOptions

        @Argument(help: "The file to import ('-' for standard input). It holds passwords: keep it mode 0600 and delete it after.")
        var file: String

        @Flag(name: .long, help: "Create accounts even past their owner's plan limit (free: 1 account); without it such lines are refused.")
        var ignorePlan = false

        func run() async throws {
            let configuration = try loadConfiguration(options, requiring: .database)
            _ = LoggingBootstrap.bootstrap(destination: configuration.log, identifier: "klarod", level: configuration.logLevel)
            guard let keys = configuration.credentialKeys else {
                FileHandle.standardError.write(Data("klarod: KLARO_CREDENTIAL_KEYS: is required to encrypt passwords\n".utf8))
                throw ExitCode(exitConfigurationError)
            }
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let contents = try? String(contentsOfFile: file, encoding: .utf8) else {
                    FileHandle.standardError.write(Data("klarod accounts import: cannot read \(file)\n".utf8))
                    throw ExitCode(1)
                }
                text = contents
            }
            let logger = Logger(label: "klarod.import")
            let summary: AccountImport.Summary
            do {
                summary = try await PostgresPool.with(
                    .init(url: configuration.databaseURL, size: 1, applicationName: "klarod-import"), logger: logger
                ) { pool in
                    try await AccountImport(
                        pool: pool, vault: CredentialVault(keyRing: keys), ignorePlan: ignorePlan,
                        interval: configuration.sync.policy.target(.quiet)
                    ).run(text)
                }
            } catch {
                FileHandle.standardError.write(Data("klarod accounts import: \(error)\n".utf8))
                throw ExitCode(1)
            }
            print("klarod: imported \(summary.created) new and \(summary.updated) updated accounts")
            if summary.overPlan > 0 {
                print("klarod: \(summary.overPlan) of the new accounts are past their owner's plan limit (--ignore-plan)")
            }
            for problem in summary.rejected {
                FileHandle.standardError.write(Data("klarod accounts import: \(problem)\n".utf8))
            }
            if !summary.rejected.isEmpty { throw ExitCode(1) }
        }
    }
}
