import ArgumentParser
import Foundation
import KlaroCore

/// `klaro-bench fleet-sim`: 24 virtual hours of a fleet under the adaptive policy beside the
/// fixed 15-minute schedule, at its size and at 1.5× the accounts on the same slots (issue 13).
struct FleetSimBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fleet-sim",
        abstract: "Simulate a day of syncs: adaptive policy vs fixed 15 minutes, normal and 1.5x overload.",
        discussion: """
            moving: staleness of trading accounts' equity (since the last sync, or since trading \
            began if later); all: age of every account's newest sync; past stale: accounts whose \
            data ever grew older than twice their class's target (fixed: twice 15 min). \
            Overload is 1.5x the accounts on the same slots.
            """
    )

    @Option(help: "Accounts at 1.0x.")
    var accounts = 10_000

    @Option(help: "Worker slots.")
    var slots = 100

    @Option(help: "Placement: load (KlaroCore Placement weighing sync time x frequency, as klarod places) or count (every account weighs 1).")
    var placement = "load"

    @Option(help: "Load slack ε of the placement (klarod's count placement uses 0.25; near 0.8 utilisation a slot needs less).")
    var epsilon = 0.05

    @Option(help: "SyncPolicy's maximum stretch of one class before the next more urgent one stretches.")
    var maxStretch = SyncPolicy.defaultMaxStretch

    @Option(help: "A slot's order for due jobs: dispatch (as klarod dispatches, RefillOrder.dispatch: 30 s windows of the staleness deadline, at most 300 s before the due time, longest first within one), deadline (earliest staleness deadline alone, RefillOrder.earliestDeadline) or due (oldest due first).")
    var refill = "dispatch"

    @Option(help: "SyncPolicy's lead of the quiet class's staleness deadline, as a share of its interval.")
    var quietLead = SyncPolicy.defaultDeadlineLead[.quiet] ?? 0

    @Option(help: "SyncPolicy's lead of the moving class's staleness deadline, as a share of its interval.")
    var movingLead = SyncPolicy.defaultDeadlineLead[.moving] ?? 0

    @Option(help: "Load relief: moves per hour at most, every \(Int(Placement.loadReliefPeriod)) s, at the bound of ε \(Placement.defaultReliefEpsilon) (or --epsilon if smaller), as klarod's KLARO_PLACEMENT_LOAD_MOVES_PER_HOUR (0: off, placement only at the start).")
    var loadMovesPerHour = Placement.defaultLoadMovesPerHour

    @Option(help: "Work stealing: an idle slot takes a job of a busy slot of its host once it is this many seconds late (WorkStealing, as klarod's KLARO_DISPATCH_STEAL_AFTER_SECONDS).")
    var stealAfter = WorkStealing.defaultLateness

    @Flag(inversion: .prefixedNo, help: "Work stealing between the slots of a host (--no-stealing: each slot runs only its own accounts).")
    var stealing = true

    @Option(help: "Work stealing's second tier: an idle slot takes a job of a busy slot of another host once it is this many seconds late (as klarod's KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS).")
    var stealAcrossHostsAfter = WorkStealing.defaultAcrossHostsLateness

    @Flag(inversion: .prefixedNo, help: "Work stealing's second tier, across hosts (--no-stealing-across-hosts: within a host only).")
    var stealingAcrossHosts = true

    @Option(help: "Seed of the fleet and the sync times.")
    var seed: UInt64 = 13

    func validate() throws {
        guard FleetSimulation.PlacementKind(rawValue: placement) != nil else {
            throw ValidationError("--placement must be count or load")
        }
        guard FleetSimulation.Refill(rawValue: refill) != nil else {
            throw ValidationError("--refill must be dispatch, deadline or due")
        }
        guard stealAfter >= 0 else { throw ValidationError("--steal-after must be at least 0") }
        guard stealAcrossHostsAfter >= 0 else { throw ValidationError("--steal-across-hosts-after must be at least 0") }
        guard loadMovesPerHour >= 0 else { throw ValidationError("--load-moves-per-hour must be at least 0") }
        guard accounts > 0, slots > 0 else { throw ValidationError("need --accounts > 0 and --slots > 0") }
    }

    func run() async throws {
        let kind = FleetSimulation.PlacementKind(rawValue: placement) ?? .load
        let order = FleetSimulation.Refill(rawValue: refill) ?? .dispatch
        let policy = try SyncPolicy(maxStretch: maxStretch, deadlineLead: [.quiet: quietLead, .moving: movingLead])
        print("fleet-sim: \(accounts) accounts, \(slots) slots, 24 h, placement by \(kind.rawValue) (ε \(epsilon)), max stretch \(maxStretch), refill by \(order.rawValue) (quiet lead \(quietLead), moving lead \(movingLead)), load relief \(loadMovesPerHour) moves/h, \(stealing ? "stealing after \(stealAfter) s, \(stealingAcrossHosts ? "across hosts after \(stealAcrossHostsAfter) s" : "not across hosts")" : "no stealing"); 1.5x = 1.5x the accounts")
        let clock = ContinuousClock.now
        var results: [(String, FleetSimulation.Figures)] = []
        for load in [1.0, 1.5] {
            for schedule in [FleetSimulation.Schedule.adaptive, .fixed] {
                var sim = try FleetSimulation(
                    schedule: schedule, placement: kind, refill: order, epsilon: epsilon, policy: policy, accountCount: Int(Double(accounts) * load),
                    slotCount: slots, seed: seed, loadMovesPerHour: loadMovesPerHour, stealAfter: stealing ? stealAfter : nil,
                    stealAcrossHostsAfter: stealingAcrossHosts ? stealAcrossHostsAfter : nil
                )
                let figures = sim.run()
                let label = "\(schedule.rawValue) \(String(format: "%.1f", load))x"
                print(Self.line(label, figures))
                let slots = figures.slotUtilisation
                print(String(format: "  slots busy: least %.2f, median %.2f, most %.2f", slots.min, slots.median, slots.max))
                if loadMovesPerHour > 0 {
                    print("  load moves per hour: \(figures.loadMoves.map(String.init).joined(separator: " ")) (\(figures.loadMoves.reduce(0, +)) in all)")
                }
                if stealing {
                    print("  steals per hour: \(figures.steals.map(String.init).joined(separator: " ")) (\(figures.steals.reduce(0, +)) in all)")
                    if stealingAcrossHosts {
                        let across = figures.stealsAcrossHosts
                        print("  steals across hosts per hour: \(across.map(String.init).joined(separator: " ")) (\(across.reduce(0, +)) in all)")
                    }
                }
                results.append((label, figures))
            }
        }
        let byLabel = Dictionary(uniqueKeysWithValues: results.map { ($0.0, $0.1) })
        if let adaptive = byLabel["adaptive 1.0x"], let fixed = byLabel["fixed 1.0x"] {
            print(String(format: "check 1.0x: oldest quiet data adaptive %.1f min, fixed %.1f min",
                         adaptive.quietMax / 60, fixed.quietMax / 60))
            print("  adaptive's oldest quiet data \(adaptive.quietWorst.description)")
        }
        if let over = byLabel["adaptive 1.5x"] {
            print(String(format: "check 1.5x: longest gap between two syncs of one account %.3f x its target",
                         over.worstGapRatio))
            print("  its start \(over.gapWorst.description)")
        }
        print("simulated in \(clock.duration(to: .now).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))")
    }

    static func line(_ label: String, _ f: FleetSimulation.Figures) -> String {
        String(
            format: "%@: moving p50 %.1f min p95 %.1f min | all p95 %.1f min | utilisation %.2f | max queue wait %.0f s | past stale %d",
            label, f.movingP50 / 60, f.movingP95 / 60, f.allP95 / 60, f.utilisation, f.maxQueueWait, f.pastStale
        )
    }
}
