import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro sync ACCOUNT`.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "sync", abstract: "Sync an account now.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The account id.")
    var account: String

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send(
                "POST", "/admin/accounts/\(pathSegment(account))/sync", as: Wire.SyncRequest.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print("\(answer.value.account_id): \(answer.value.message)")
        }
    }
}
