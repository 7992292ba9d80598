import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro accounts [--stale] [--status S] [--host H] [--limit N]`.
struct AccountsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accounts",
        abstract: "Accounts across users, the stalest first (never passwords)."
    )

    @OptionGroup var options: ClientOptions

    @Flag(name: .long, help: "Only stale accounts (no success for longer than KLARO_STALE_AFTER).")
    var stale = false

    @Option(name: .long, help: "Only accounts with this status: active, auth_failed, paused, disabled.")
    var status: String?

    @Option(name: .long, help: "Only accounts placed on (or running a job on) this host.")
    var host: String?

    @Option(name: .long, help: "At most this many (1–10000).")
    var limit = 100

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            var query = ["limit": String(limit)]
            if stale { query["stale"] = "true" }
            if let status { query["status"] = status }
            if let host { query["host"] = host }
            let answer = try await AdminClient(settings: settings).send("GET", "/admin/accounts", query: query, as: Wire.AccountList.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value.accounts, colour: settings.colour))
            print("\(answer.value.accounts.count) of \(answer.value.total) shown")
        }
    }

    static func render(_ accounts: [Wire.Account], colour: Bool) -> String {
        var table = Table("ID", "LOGIN>", "SERVER", "STATUS*", "STALE*", "SLOT", "PIN", "JOB", "LAST-SUCCESS", "LAST-OUTCOME*",
                          "FAILURES>")
        for account in accounts {
            table.add(
                account.id, String(account.mt5_login), account.mt5_server, account.status, account.stale ? "stale" : "-",
                account.assigned ?? "-", account.pinned ?? "-", account.in_flight ? "running" : "-",
                Terminal.ago(account.last_success_at), account.last_outcome ?? "-", String(account.consecutive_failures)
            )
        }
        return table.render(colour: colour)
    }
}
