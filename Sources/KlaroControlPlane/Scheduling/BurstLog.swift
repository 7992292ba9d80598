import Logging

/// Metadata of one log line standing for a burst of like events (a whole host dying loses
/// thousands of jobs in one tick): how many, and a few examples to look up; each event's
/// detail goes to debug.
enum BurstLog {
    static let exampleCount = 3

    static func summary(count: Int, examples: some Sequence<String>) -> Logger.Metadata {
        ["count": "\(count)", "examples": "\(examples.prefix(exampleCount).joined(separator: ","))"]
    }
}
