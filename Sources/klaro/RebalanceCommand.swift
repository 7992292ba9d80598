import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro rebalance [--dry-run]`: the placement plan, shown or applied.
struct RebalanceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebalance",
        abstract: "Rebalance accounts over the slots; --dry-run only shows the moves.",
        discussion: """
            Mode rebalance (default) puts every account on its ideal slot: a host that joined or
            came back takes its share of the load (an account weighs its sync time × how often
            it is synced; an account may prefer a slot that logs into its broker faster). Mode
            keep-current moves only what must move and what is beyond a slot's load bound.
            Accounts with a job in flight move when that job finishes.
            """
    )

    enum Mode: String, ExpressibleByArgument, CaseIterable {
        case rebalance
        case keepCurrent = "keep-current"

        var wire: String { self == .rebalance ? "rebalance" : "keep_current" }
    }

    @OptionGroup var options: ClientOptions

    @Flag(name: .customLong("dry-run"), help: "Show the plan without applying it.")
    var dryRun = false

    @Option(name: .long, help: "rebalance or keep-current.")
    var mode: Mode = .rebalance

    @Flag(name: .long, help: "List every move (the table stops at 50 otherwise).")
    var all = false

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send(
                "POST", "/admin/rebalance", body: ["dry_run": dryRun, "mode": mode.wire], as: Wire.Rebalance.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value, limit: all ? nil : 50, colour: settings.colour))
        }
    }

    static func render(_ plan: Wire.Rebalance, limit: Int?, colour: Bool) -> String {
        let summary = plan.summary
        let reasons = summary.by_reason.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        var lines = [
            (plan.applied ? "applied" : "dry run") + " (\(plan.mode)): \(summary.moves) moves"
                + (reasons.isEmpty ? "" : " (\(reasons))") + ", \(summary.deferred) after their job in flight"
                + (summary.unplaced > 0 ? ", \(summary.unplaced) accounts without a slot" : ""),
        ]
        guard !plan.moves.isEmpty else { return lines[0] }
        var table = Table("ACCOUNT", "FROM", "TO", "WHY*", "IN-FLIGHT")
        let shown = limit.map { Array(plan.moves.prefix($0)) } ?? plan.moves
        for move in shown {
            table.add(move.account_id, move.from ?? "-", move.to, move.reason, move.in_flight ? "after job" : "-")
        }
        lines.append(table.render(colour: colour))
        if shown.count < plan.moves.count { lines.append("… \(plan.moves.count - shown.count) more (--all lists them)") }
        return lines.joined(separator: "\n")
    }
}
