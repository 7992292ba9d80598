import Foundation

/// Where settings come from: `KLARO_*` environment variables over a configuration file of
/// `KEY=value` lines (the same format as a systemd `EnvironmentFile`).
public struct ConfigurationSource: Sendable {
    /// The merged values, environment winning over the file.
    public let values: [String: String]
    /// Problems found while reading (an unreadable file, a malformed line, an unknown key).
    public let problems: [ConfigurationProblem]

    /// Reads the file named by `file` or by `KLARO_CONFIG`, then the environment.
    public init(environment: [String: String], file: String? = nil) {
        var values: [String: String] = [:]
        var problems: [ConfigurationProblem] = []
        if let path = file ?? environment["KLARO_CONFIG"], !path.isEmpty {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let parsed = Self.parse(text, path: path)
                values = parsed.values
                problems += parsed.problems
            } else {
                problems.append(ConfigurationProblem(key: "KLARO_CONFIG", message: "cannot read the file \(path)"))
            }
        }
        for (key, value) in environment where key.hasPrefix("KLARO_") {
            values[key] = value
        }
        self.values = values
        self.problems = problems
    }

    init(values: [String: String]) {
        self.values = values
        self.problems = []
    }

    /// Parses `KEY=value` lines: `#` comments, blank lines, optional `export `, and values in
    /// single or double quotes. Keys must be known settings, so that a typo is caught.
    static func parse(_ text: String, path: String) -> (values: [String: String], problems: [ConfigurationProblem]) {
        var values: [String: String] = [:]
        var problems: [ConfigurationProblem] = []
        for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("export ") { line = String(line.dropFirst(7)).trimmingCharacters(in: .whitespaces) }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(ConfigurationProblem(key: "KLARO_CONFIG", message: "\(path) line \(number + 1): expected KEY=value"))
                continue
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            guard ConfigurationKey.all.contains(key) else {
                problems.append(ConfigurationProblem(key: "KLARO_CONFIG", message: "\(path) line \(number + 1): unknown setting \(key)"))
                continue
            }
            values[key] = value
        }
        return (values, problems)
    }
}

/// One thing wrong with the configuration, named by its variable.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    public let key: String
    public let message: String

    public var description: String { "\(key): \(message)" }
}

/// Every problem found at start, listed together so an operator can fix them in one go.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigurationProblem]

    public var description: String {
        "invalid configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
