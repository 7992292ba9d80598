import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro drain HOST [--wait]`: the host finishes the jobs it has, gets no new ones, and its
/// accounts move to other hosts.
struct DrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "drain",
        abstract: "Drain a host: it finishes its queued jobs and its accounts move elsewhere.",
        discussion: "With --wait, shows progress until the host has no accounts and no job in flight."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The host id.")
    var host: String

    @Flag(name: .long, help: "Wait until the host's queues are empty and its accounts have moved.")
    var wait = false

    @Option(name: .long, help: "With --wait: give up after this many seconds (exit code 7).")
    var timeout: Double?

    @Flag(name: .long, help: "Drain even the last usable host (its accounts then wait without a slot).")
    var force = false

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let client = AdminClient(settings: settings)
            var host = try await HostStateChange.perform("drain", host: self.host, body: force ? ["force": true] : [:],
                                                         client: client, settings: settings, quietJSON: wait)
            guard wait else { return }
            let deadline = timeout.map { Date().addingTimeInterval($0) }
            var last = ""
            while host.value.accounts > 0 || host.value.in_flight > 0 {
                let line = "draining \(self.host): \(host.value.accounts) accounts to move, \(host.value.in_flight) jobs in flight"
                if line != last && !settings.json { print(line) }
                last = line
                if let deadline, Date() > deadline {
                    throw CLIFailure(kind: .timedOut, message: "\(self.host) is not drained after \(Int(timeout ?? 0)) s: \(line)")
                }
                try await Task.sleep(for: .milliseconds(500))
                host = try await client.send("GET", "/admin/hosts/\(pathSegment(self.host))", as: Wire.Host.self)
            }
            if settings.json { return AdminClient.printJSON(host.raw) }
            print("\(self.host) is drained: no accounts, no jobs in flight")
        }
    }
}

/// `klaro undrain HOST`.
struct UndrainCommand: HostActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "undrain",
        abstract: "Make a draining host active again (it gets new accounts; run klaro rebalance to give it its share)."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The host id.")
    var host: String

    static let action = "undrain"
}

/// `klaro cordon HOST`.
struct CordonCommand: HostActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "cordon",
        abstract: "Cordon a host: it keeps and syncs its accounts but gets no new ones."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The host id.")
    var host: String

    static let action = "cordon"
}

/// `klaro uncordon HOST`.
struct UncordonCommand: HostActionCommand {
    static let configuration = CommandConfiguration(
        commandName: "uncordon",
        abstract: "Make a cordoned host active again."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The host id.")
    var host: String

    static let action = "uncordon"
}

/// A command that posts one host action and reports the host's new state.
protocol HostActionCommand: AsyncParsableCommand {
    /// The action's path segment: `POST /admin/hosts/{host}/{action}`.
    static var action: String { get }
    var options: ClientOptions { get }
    var host: String { get }
}

extension HostActionCommand {
    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            _ = try await HostStateChange.perform(Self.action, host: host, client: AdminClient(settings: settings), settings: settings)
        }
    }
}

/// One host action and its report.
enum HostStateChange {
    /// Posts the action and prints the host's new state (or its JSON, unless `quietJSON`).
    static func perform(
        _ action: String, host: String, body: [String: Any] = [:], client: AdminClient, settings: ClientSettings,
        quietJSON: Bool = false
    ) async throws -> AdminClient.Answer<Wire.Host> {
        let before = try await client.send("GET", "/admin/hosts/\(pathSegment(host))", as: Wire.Host.self).value
        let answer = try await client.send("POST", "/admin/hosts/\(pathSegment(host))/\(action)", body: body, as: Wire.Host.self)
        if settings.json {
            if !quietJSON { AdminClient.printJSON(answer.raw) }
        } else {
            let after = answer.value
            let change = before.admin_state == after.admin_state ? "already \(after.admin_state)" : "\(before.admin_state) → \(after.admin_state)"
            print("\(host): \(change); \(after.accounts) accounts, \(after.in_flight) jobs in flight")
        }
        return answer
    }
}
