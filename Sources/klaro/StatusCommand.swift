import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro status`: the fleet on one screen.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Success rate, stale accounts, queue, slots and hosts by state, leader, demand ratio."
    )

    @OptionGroup var options: ClientOptions

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send("GET", "/admin/status", as: Wire.Status.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value, colour: settings.colour))
        }
    }

    static func render(_ status: Wire.Status, colour: Bool) -> String {
        func counts(_ values: [String: Int], order: [String]) -> String {
            let known = order.map { key -> String in
                let text = "\(values[key] ?? 0) \(key)"
                guard colour, (values[key] ?? 0) > 0, let hue = Terminal.colour(forState: key) else { return text }
                return paint(text, hue)
            }
            let others = values.keys.filter { !order.contains($0) }.sorted().map { "\(values[$0]!) \($0)" }
            return (known + others).joined(separator: "  ")
        }
        let syncs = status.syncs_1h
        let failures = syncs.by_outcome.filter { $0.key != "ok" && $0.value > 0 }.sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        let leader: String
        if status.leader.this_node {
            leader = "this node (\(status.leader.node))"
        } else if status.leader.present {
            let since = status.leader.since.map { ", since \(Terminal.timestamp($0)) UTC" } ?? ""
            leader = "another node (\(status.leader.client_addr ?? "address hidden")\(since))"
        } else {
            leader = colour ? paint("none: nothing is being scheduled", .red) : "none: nothing is being scheduled"
        }
        let accounts = status.accounts
        var table = Table("FIELD", "VALUE")
        table.showsHeader = false
        table.add("syncs (1h)", "\(Terminal.percent(syncs.success_rate)) ok, \(syncs.ok) of \(syncs.total)"
                  + (failures.isEmpty ? "" : "; \(failures)"))
        table.add("accounts", counts(accounts.by_status, order: ["active", "auth_failed", "paused", "disabled"]))
        table.add("stale", "\(accounts.stale) stale, \(accounts.unplaced) without a slot")
        table.add("oldest success", (accounts.oldest_success_age_seconds.map { Terminal.age($0) + " ago" } ?? "never")
                  + ((accounts.never_synced ?? 0) > 0 ? "; \(accounts.never_synced ?? 0) never synced" : ""))
        table.add("queue", "\(status.queue.due) due, \(status.queue.in_flight) in flight")
        table.add("slots", counts(status.slots, order: ["idle", "busy", "dead", "draining", "cordoned", "pending"]))
        table.add("hosts", counts(status.hosts, order: ["active", "draining", "cordoned", "dead", "pending", "refused"]))
        table.add("leader", leader)
        table.add("demand ratio", String(format: "%.2f", status.demand_ratio)
                  + (status.demand_ratio > 1 ? " (the fleet cannot keep up: add slots)" : ""))
        table.add("generated", Terminal.timestamp(status.generated_at) + " UTC")
        return table.render(colour: colour)
    }
}
