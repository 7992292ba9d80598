import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro capacity [--target-utilisation 0.8]`.
struct CapacityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "capacity",
        abstract: "Slots and hosts needed to meet every class's target interval, now and at 2x, 5x and 10x the accounts."
    )

    @OptionGroup var options: ClientOptions

    @Option(name: .long, help: "Share of the time slots may be busy, from 0.01 to 1.")
    var targetUtilisation = 0.8

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send(
                "GET", "/admin/capacity", query: ["target_utilisation": String(targetUtilisation)],
                as: AdminAPI.Capacity.self
            )
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value, colour: settings.colour))
        }
    }

    static func render(_ capacity: AdminAPI.Capacity, colour: Bool) -> String {
        var classes = Table("CLASS", "ACCOUNTS>", "MEAN SYNC>", "TARGET>")
        for row in capacity.classes {
            classes.add(
                row.sync_class, String(row.accounts), String(format: "%.1f s", row.mean_sync_seconds),
                String(format: "%.0f min", row.target_interval_seconds / 60)
            )
        }
        var scales = Table("SCALE", "ACCOUNTS>", "BUSY SLOTS>", "SLOTS NEEDED>", "HOSTS NEEDED>")
        for row in capacity.scales {
            scales.add(
                "\(row.scale)x", String(row.accounts), String(format: "%.1f", row.demand_slots),
                String(row.slots_needed), String(row.hosts_needed)
            )
        }
        let summary = String(
            format: "live slots %d; target utilisation %.2f; %d slots per host",
            capacity.live_slots, capacity.target_utilisation, capacity.slots_per_host
        )
        return [classes.render(colour: colour), scales.render(colour: colour), summary].joined(separator: "\n\n")
    }
}
