import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro hosts` (list) and `klaro hosts approve HOST`.
struct HostsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hosts",
        abstract: "List worker hosts, or approve a host's key.",
        subcommands: [List.self, Approve.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Hosts with state, slots, load, success rate and key.")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await runReportingFailure {
                let settings = try options.resolve()
                let answer = try await AdminClient(settings: settings).send("GET", "/admin/fleet", as: Wire.Fleet.self)
                if settings.json { return AdminClient.printJSON(answer.raw) }
                print(HostsCommand.render(answer.value.hosts, colour: settings.colour))
            }
        }
    }

    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve the public key a host presents, so that it gets jobs.",
            discussion: """
                Shows the key's fingerprint. Approves only with --fingerprint (or after you type
                the word yes on a terminal), and only that key: if the host registered another
                key meanwhile, klarod refuses and shows the new fingerprint.
                """
        )

        @OptionGroup var options: ClientOptions

        @Argument(help: "The host id.")
        var host: String

        @Option(name: .long, help: "The SHA256:… fingerprint you checked on the host (klaro-worker keygen prints it).")
        var fingerprint: String?

        func run() async throws {
            try await runReportingFailure {
                let settings = try options.resolve()
                let client = AdminClient(settings: settings)
                let current = try await client.send("GET", "/admin/hosts/\(pathSegment(host))", as: Wire.Host.self).value
                guard let presented = current.key_fingerprint else {
                    throw CLIFailure(kind: .refused, message: "\(host) registered a key that is not a valid X25519 public key")
                }
                var chosen = fingerprint
                if chosen == nil {
                    if !settings.json {
                        print("host \(host) (\(current.admin_state)) presents the key \(presented)")
                        if let approved = current.approved_key_fingerprint, approved != presented {
                            print("the key approved before was \(approved)")
                        }
                    }
                    if Terminal.isInteractive && !settings.json {
                        print("Compare it with the fingerprint on the host. Type yes to approve it: ", terminator: "")
                        if readLine()?.trimmingCharacters(in: .whitespaces).lowercased() == "yes" { chosen = presented }
                    }
                }
                guard let chosen else {
                    throw CLIFailure(kind: .refused, message:
                        "not approved; to approve this key run: klaro hosts approve \(host) --fingerprint \(presented)")
                }
                let answer = try await client.send(
                    "POST", "/admin/hosts/\(pathSegment(host))/approve", body: ["fingerprint": chosen], as: Wire.Host.self)
                if settings.json { return AdminClient.printJSON(answer.raw) }
                print("\(host): key \(answer.value.approved_key_fingerprint ?? chosen) approved; state \(answer.value.admin_state)")
            }
        }
    }

    static func render(_ hosts: [Wire.Host], colour: Bool) -> String {
        var table = Table("HOST", "STATE*", "SLOTS>", "ACCOUNTS>", "IN-FLIGHT>", "SUCCESS-1H>", "SYNCS-1H>", "LAST-SEEN",
                          "KEY", "VERSION")
        for host in hosts {
            let key = host.key_approved ? (host.key_fingerprint ?? "-") : "\(host.key_fingerprint ?? "invalid") (not approved)"
            table.add(
                host.host, host.state, "\(host.live_slots)/\(host.slots.count)", String(host.accounts), String(host.in_flight),
                Terminal.percent(host.success_rate_1h), String(host.syncs_1h), Terminal.ago(host.last_seen_at), key, host.version
            )
        }
        return table.render(colour: colour)
    }
}
