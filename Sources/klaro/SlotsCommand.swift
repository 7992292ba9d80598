import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro slots`: every terminal slot with state, load, heartbeat and current job.
struct SlotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slots",
        abstract: "Slots with state, placement, accounts against capacity, heartbeat age and current job."
    )

    @OptionGroup var options: ClientOptions

    @Option(name: .long, help: "Only this host's slots.")
    var host: String?

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let client = AdminClient(settings: settings)
            let hosts: [Wire.Host]
            let raw: Data
            if let host {
                let answer = try await client.send("GET", "/admin/hosts/\(pathSegment(host))", as: Wire.Host.self)
                (hosts, raw) = ([answer.value], answer.raw)
            } else {
                let answer = try await client.send("GET", "/admin/fleet", as: Wire.Fleet.self)
                (hosts, raw) = (answer.value.hosts, answer.raw)
            }
            if settings.json { return AdminClient.printJSON(raw) }
            print(Self.render(hosts, colour: settings.colour))
        }
    }

    static func render(_ hosts: [Wire.Host], colour: Bool) -> String {
        var table = Table("SLOT", "STATE*", "PLACEMENT*", "ACCOUNTS>", "CAPACITY>", "IN-FLIGHT>", "HEARTBEAT>", "SUCCESS-1H>", "JOB")
        for host in hosts {
            for slot in host.slots {
                table.add(
                    "\(host.host):\(slot.slot)", slot.state, slot.placement, String(slot.accounts),
                    slot.capacity.map(String.init) ?? "-", String(slot.in_flight),
                    slot.heartbeat_age_seconds.map { Terminal.age($0) + " ago" } ?? "never", Terminal.percent(slot.success_rate_1h),
                    slot.current_job_id ?? "-"
                )
            }
        }
        return table.render(colour: colour)
    }
}
