import ArgumentParser
import Foundation

/// Options every command takes: where klarod is, the admin token, and the output form.
///
/// klarod's address: `--url`, else `KLARO_URL`, else the config file's `KLARO_URL`, else its
/// `KLARO_HTTP_ADDRESS` (so klarod's own configuration file works), else
/// `http://127.0.0.1:8080`. The token: `KLARO_ADMIN_TOKEN`, else the config file's. The config
/// file: `--config`, else `KLARO_CONFIG`, else `~/.config/klaro/config` if it exists; it holds
/// `KEY=value` lines, and keys other than these three are ignored.
struct ClientOptions: ParsableArguments {
    @Option(name: .long, help: "klarod's base URL (default: KLARO_URL, the config file, or http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .long, help: "A file of KEY=value lines with KLARO_URL and KLARO_ADMIN_TOKEN.")
    var config: String?

    @Flag(name: .long, help: "Print klarod's JSON answer instead of a table.")
    var json = false

    @Flag(name: .customLong("no-color"), help: "No colours, even on a terminal.")
    var noColor = false

    /// The settings the options and environment resolve to.
    func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientSettings {
        var file: [String: String] = [:]
        let home = environment["HOME"].map { $0 + "/.config/klaro/config" }
        if let path = config ?? environment["KLARO_CONFIG"] {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw CLIFailure(kind: .refused, message: "cannot read the config file \(path)")
            }
            file = Self.parse(text)
        } else if let home, let text = try? String(contentsOfFile: home, encoding: .utf8) {
            file = Self.parse(text)
        }
        let base = url ?? environment["KLARO_URL"] ?? file["KLARO_URL"]
            ?? file["KLARO_HTTP_ADDRESS"].map(Self.url(fromAddress:)) ?? "http://127.0.0.1:8080"
        guard let parsed = URL(string: base), let scheme = parsed.scheme, ["http", "https"].contains(scheme), parsed.host != nil else {
            throw CLIFailure(kind: .refused, message: "klarod's URL must look like http://host:port, not \(base)")
        }
        let token = environment["KLARO_ADMIN_TOKEN"] ?? file["KLARO_ADMIN_TOKEN"]
        return ClientSettings(
            baseURL: base.hasSuffix("/") ? String(base.dropLast()) : base,
            token: token?.isEmpty == false ? token : nil,
            actor: Self.actor(environment),
            json: json,
            colour: !noColor && Terminal.supportsColour(environment)
        )
    }

    /// `KEY=value` lines, with `#` comments, `export ` and quotes as in klarod's files.
    static func parse(_ text: String) -> [String: String] {
        var values: [String: String] = [:]
        for raw in text.split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)) }
            guard let equals = line.firstIndex(of: "=") else { continue }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            if ["KLARO_URL", "KLARO_ADMIN_TOKEN", "KLARO_HTTP_ADDRESS"].contains(key) { values[key] = value }
        }
        return values
    }

    /// `http://…` for klarod's listen address; a wildcard address means this machine.
    static func url(fromAddress address: String) -> String {
        guard let colon = address.lastIndex(of: ":") else { return "http://\(address)" }
        var host = String(address[..<colon])
        let port = address[address.index(after: colon)...]
        switch host {
        case "", "0.0.0.0": host = "127.0.0.1"
        case "[::]", "::": host = "[::1]"
        default: if host.contains(":") && !host.hasPrefix("[") { host = "[\(host)]" }
        }
        return "http://\(host):\(port)"
    }

    /// `user@machine` for the audit log (klarod records it as a claim, not a proof).
    static func actor(_ environment: [String: String]) -> String {
        let user = environment["USER"] ?? environment["LOGNAME"] ?? "unknown"
        let machine = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "unknown"
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._@")
        return String("\(user)@\(machine)".filter { allowed.contains($0) }.prefix(64))
    }
}

/// Resolved client settings.
struct ClientSettings: Sendable {
    let baseURL: String
    let token: String?
    let actor: String
    let json: Bool
    let colour: Bool
}
