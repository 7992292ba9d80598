import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro audit`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "audit", abstract: "The admin audit log, newest first.")

    @OptionGroup var options: ClientOptions

    @Option(name: .long, help: "At most this many (1–1000).")
    var limit = 50

    @Option(name: .long, help: "Only this action (host.drain, account.pin, auth, …).")
    var action: String?

    @Option(name: .long, help: "Only this target (a host, an account id).")
    var target: String?

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            var query = ["limit": String(limit)]
            if let action { query["action"] = action }
            if let target { query["target"] = target }
            let answer = try await AdminClient(settings: settings).send("GET", "/admin/audit", query: query, as: Wire.AuditList.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print(Self.render(answer.value.entries, colour: settings.colour))
        }
    }

    static func render(_ entries: [Wire.AuditEntry], colour: Bool) -> String {
        var table = Table("AT", "ACTOR", "ACTION", "TARGET", "RESULT*", "FROM", "CHANGE")
        for entry in entries {
            table.add(
                Terminal.timestamp(entry.at), entry.actor, entry.action, entry.target, entry.result, entry.remote_addr ?? "-",
                change(entry)
            )
        }
        return table.render(colour: colour)
    }

    /// What changed: `key: before → after` for each key that differs, else the values.
    static func change(_ entry: Wire.AuditEntry) -> String {
        if let before = entry.before?.fields, let after = entry.after?.fields {
            let keys = Set(before.keys).union(after.keys).sorted().filter { before[$0] != after[$0] }
            return keys.isEmpty ? "no change" : keys.map { "\($0): \(before[$0] ?? "-") → \(after[$0] ?? "-")" }.joined(separator: ", ")
        }
        let text = [entry.before?.text, entry.after?.text].compactMap { $0 }.joined(separator: " → ")
        return text.isEmpty ? "-" : text
    }
}
