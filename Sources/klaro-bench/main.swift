import ArgumentParser

/// `klaro-bench`: benchmarks that print figures (speed is measured here, never asserted in tests).
/// Add a benchmark by adding its command to `subcommands`.
struct KlaroBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "klaro-bench",
        abstract: "Benchmarks of Klaro's control plane; each subcommand prints its figures.",
        subcommands: [
            PlacementBench.self, ScheduleBench.self, IngestBench.self, APIBench.self, AuthBench.self, FleetSimBench.self,
            SoakBench.self, PlacementWALBench.self,
        ]
    )

    /// Parses the arguments and runs the chosen subcommand. (`@main` is not allowed in
    /// main.swift, and top-level code here resolves `main()` to the synchronous overload,
    /// which cannot run async subcommands.)
    static func start() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}

await KlaroBench.start()
