import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import Logging

/// `klarod users …`: the operator's view of traders' logins, audited as `cli:<login name>`.
struct Users: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, disable, enable users, or reset a built-in user's password.",
        subcommands: [List.self, Disable.self, Enable.self, ResetPassword.self]
    )

    /// Runs `body` with the user administration on a one-connection pool; errors end the
    /// command with a message and exit code 1.
    static func withAdministration<T: Sendable>(
        _ options: CommonOptions, _ command: String, _ body: @Sendable (UserAdministration) async throws -> T
    ) async throws -> T {
        let configuration = try loadConfiguration(options, requiring: .database)
        let actor = "cli:" + (ProcessInfo.processInfo.environment["SUDO_USER"] ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown")
        do {
            return try await PostgresPool.with(
                .init(url: configuration.databaseURL, size: 1, applicationName: "klarod-users"), logger: Logger(label: "klarod.users")
            ) { pool in
                try await body(UserAdministration(pool: pool, actor: actor))
            }
        } catch {
            FileHandle.standardError.write(Data("klarod users \(command): \(error)\n".utf8))
            throw ExitCode(1)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List users: email, kind, state, sessions, last sign-in.")
        @OptionGroup var options: CommonOptions

        func run() async throws {
            let users = try await Users.withAdministration(options, "list") { try await $0.list() }
            let formatter = ISO8601DateFormatter()
            print("ID\tEMAIL\tKIND\tSTATE\tSESSIONS\tLAST_SIGN_IN")
            for user in users {
                print([
                    user.id.uuidString.lowercased(), user.email ?? "-", user.builtIn ? "built-in" : "supabase",
                    user.disabled ? "disabled" : "active", String(user.liveSessions),
                    user.lastSignInAt.map(formatter.string(from:)) ?? "-",
                ].joined(separator: "\t"))
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Disable a user: log-in and refresh refused, every session revoked, API tokens refused within a minute.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The user's email.") var email: String

        func run() async throws {
            let email = self.email
            try await Users.withAdministration(options, "disable") { try await $0.setDisabled(email: email, true) }
            print("klarod: disabled \(email)")
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Enable a disabled user again.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The user's email.") var email: String

        func run() async throws {
            let email = self.email
            try await Users.withAdministration(options, "enable") { try await $0.setDisabled(email: email, false) }
            print("klarod: enabled \(email)")
        }
    }

    struct ResetPassword: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-password",
            abstract: "Give a built-in user a new random password (printed once) and end their sessions.")
        @OptionGroup var options: CommonOptions
        @Argument(help: "The user's email.") var email: String

        func run() async throws {
            let email = self.email
            let password = try await Users.withAdministration(options, "reset-password") { try await $0.resetPassword(email: email) }
            print("klarod: the one-time password of \(email) is below; give it to them and ask them to change it")
            print(password.reveal)
        }
    }
}
