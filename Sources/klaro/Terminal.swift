import Foundation

/// Colours and formats for people. Colour only when stdout is a terminal, `NO_COLOR` is
/// unset and `TERM` is not `dumb`.
enum Terminal {
    static func supportsColour(_ environment: [String: String]) -> Bool {
        isatty(STDOUT_FILENO) == 1 && environment["NO_COLOR"] == nil && environment["TERM"] != "dumb"
    }

    /// True when standard input is a terminal a person can answer on.
    static var isInteractive: Bool { isatty(STDIN_FILENO) == 1 && isatty(STDOUT_FILENO) == 1 }

    enum Colour: String {
        case red = "31", green = "32", yellow = "33", blue = "34", magenta = "35", dim = "2", bold = "1"
    }

    /// The colour a state word is shown in.
    static func colour(forState state: String) -> Colour? {
        switch state {
        case "active", "idle", "ok", "true": .green
        case "busy", "rebalance", "new": .blue
        case "draining", "cordoned", "over_capacity", "drain", "pin", "paused", "timeout", "ipc_error", "terminal_error", "failed":
            .yellow
        case "dead", "refused", "lost", "auth_failed", "otp_required", "denied", "slot_gone", "disabled": .red
        case "pending": .magenta
        default: nil
        }
    }

    /// Seconds as a short age: `4s`, `12m`, `3h`, `2d`.
    static func age(_ seconds: Double) -> String {
        let value = max(0, seconds)
        switch value {
        case ..<60: return "\(Int(value))s"
        case ..<3600: return "\(Int(value / 60))m"
        case ..<86_400: return "\(Int(value / 3600))h"
        default: return "\(Int(value / 86_400))d"
        }
    }

    /// A date as an age before now (`12m ago`), or `-`.
    static func ago(_ date: Date?) -> String {
        guard let date else { return "-" }
        return age(Date().timeIntervalSince(date)) + " ago"
    }

    /// A ratio as a percentage with one decimal, or `-`.
    static func percent(_ ratio: Double?) -> String {
        guard let ratio else { return "-" }
        return String(format: "%.1f%%", ratio * 100)
    }

    /// A UTC timestamp `2025-11-25 10:00:00`.
    static func timestamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Milliseconds as seconds with one decimal (`2.4s`), or `-`.
    static func milliseconds(_ value: Int?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1fs", Double(value) / 1000)
    }
}
