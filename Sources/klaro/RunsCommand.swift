import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro runs ACCOUNT`.
struct RunsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "An account's recent sync runs, newest first.")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The account id.")
    var account: String

    @Option(name: .long, help: "At most this many (1–1000).")
    var limit = 20

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send(
                "GET", "/admin/accounts/\(pathSegment(account))/runs", query: ["limit": String(limit)], as: Wire.RunList.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value.runs, colour: settings.colour))
        }
    }

    static func render(_ runs: [Wire.Run], colour: Bool) -> String {
        var table = Table("ENQUEUED", "JOB", "SLOT", "ATTEMPT>", "OUTCOME*", "WAIT>", "DURATION>", "LOGIN>", "ERROR")
        for run in runs {
            let error = run.error_code.map { "\($0) \(run.error_message ?? "")" } ?? run.error_message ?? "-"
            table.add(
                Terminal.timestamp(run.enqueued_at), run.job_id, "\(run.host):\(run.slot)", String(run.attempt),
                run.outcome ?? run.state, Terminal.milliseconds(run.queue_wait_ms), Terminal.milliseconds(run.duration_ms),
                Terminal.milliseconds(run.login_ms), error
            )
        }
        return table.render(colour: colour)
    }
}
