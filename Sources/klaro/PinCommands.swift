import ArgumentParser
import Foundation
import KlaroAdminAPI

/// `klaro pin ACCOUNT HOST:SLOT`.
struct PinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pin",
        abstract: "Pin an account to a slot (honoured while the slot is active, even beyond its capacity)."
    )

    @OptionGroup var options: ClientOptions

    @Argument(help: "The account id.")
    var account: String

    @Argument(help: "The slot, as host:slot.")
    var slot: String

    func validate() throws {
        guard Self.split(slot) != nil else { throw ValidationError("the slot must be host:number, such as win-fra-01:2") }
    }

    static func split(_ text: String) -> (host: String, slot: Int)? {
        guard let colon = text.lastIndex(of: ":"), let number = Int(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        return host.isEmpty ? nil : (host, number)
    }

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let (host, number) = Self.split(slot)!
            let answer = try await AdminClient(settings: settings).send(
                "POST", "/admin/accounts/\(pathSegment(account))/pin", body: ["host": host, "slot": number], as: Wire.Account.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            let account = answer.value
            let note = account.assigned == account.pinned ? "" : " (the slot is not usable now: the pin applies once it is)"
            print("\(account.id): pinned to \(account.pinned ?? "-"), placed on \(account.assigned ?? "no slot")\(note)")
        }
    }
}

/// `klaro unpin ACCOUNT`.
struct UnpinCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unpin", abstract: "Remove an account's pin (it stays where it is).")

    @OptionGroup var options: ClientOptions

    @Argument(help: "The account id.")
    var account: String

    func run() async throws {
        try await runReportingFailure {
            let settings = try options.resolve()
            let answer = try await AdminClient(settings: settings).send(
                "DELETE", "/admin/accounts/\(pathSegment(account))/pin", as: Wire.Account.self)
            if settings.json { return AdminClient.printJSON(answer.raw) }
            print("\(answer.value.id): not pinned, placed on \(answer.value.assigned ?? "no slot")")
        }
    }
}
