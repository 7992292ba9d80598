import ArgumentParser

/// klaro: the operators' command line, a client of klarod's `/admin` API (docs/fleet.md).
@main
struct Klaro: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klaro",
        abstract: "Operate the Klaro fleet: hosts, slots, placement, accounts, audit.",
        discussion: """
            Talks to klarod's /admin API: KLARO_URL (or --url, or the config file) and
            KLARO_ADMIN_TOKEN (or the config file). Tables for people, --json for scripts.
            Exit codes: 0 done, 1 klarod failed, 3 not found, 4 refused, 5 not authorised,
            6 klarod unreachable, 7 timed out, 64 bad command line.
            """,
        version: "0.1.0",
        subcommands: [
            StatusCommand.self, HostsCommand.self, SlotsCommand.self, AccountsCommand.self,
            DrainCommand.self, UndrainCommand.self, CordonCommand.self, UncordonCommand.self,
            RebalanceCommand.self, PinCommand.self, UnpinCommand.self, SyncCommand.self, RunsCommand.self,
            AuditCommand.self, CapacityCommand.self,
        ]
    )
}
