import Foundation
import Testing
import KlaroCore

/// Seeded random fleets: the bounds stated on ``SyncPolicy`` hold for every one.
@Suite struct SyncPolicyPropertyTests {
    private static func randomFleet(_ rng: inout SplitMix64) -> [SyncLoad] {
        SyncClass.allCases.flatMap { syncClass in
            (0..<Int.random(in: 1...3, using: &rng)).map { i in
                SyncLoad(
                    syncClass: syncClass, plan: i == 0 ? nil : "plan\(i)",
                    accounts: Int.random(in: 0...5_000, using: &rng),
                    meanSyncSeconds: Double.random(in: 0.5...30, using: &rng)
                )
            }
        }
    }

    private static func randomPolicy(_ rng: inout SplitMix64) throws -> SyncPolicy {
        let plan = SyncTargets(
            moving: Double.random(in: 60...300, using: &rng), quiet: Double.random(in: 300...900, using: &rng),
            dormant: Double.random(in: 900...7200, using: &rng)
        )
        return try SyncPolicy(
            planTargets: ["plan1": plan, "plan2": plan],
            targetUtilisation: Double.random(in: 0.3...1, using: &rng),
            maxStretch: Double.random(in: 1...4, using: &rng)
        )
    }

    private static func scaled(_ loads: [SyncLoad], by k: Double) -> [SyncLoad] {
        loads.map { var l = $0; l.accounts = Int((Double(l.accounts) * k).rounded()); return l }
    }

    @Test(arguments: 0..<200)
    func boundsHold(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let policy = try Self.randomPolicy(&rng)
        let fleet = Self.randomFleet(&rng)
        let slots = Int.random(in: 0...400, using: &rng)
        let stretch = policy.stretch(loads: fleet, slots: slots)
        let m = policy.maxStretch
        let classes = SyncClass.allCases
        for (i, urgent) in classes.enumerated() {
            #expect(stretch.factor(urgent) >= 1)
            #expect(stretch.factor(urgent).isFinite)
            for lessUrgent in classes[(i + 1)...] {
                // Never starved: at most maxStretch × a more urgent class's factor, and never
                // stretched less than a more urgent class.
                #expect(stretch.factor(lessUrgent) <= m * stretch.factor(urgent) * (1 + 1e-9))
            }
        }
        if slots > 0 {
            #expect(stretch.demand <= stretch.budget * (1 + 1e-9), "reachable, so it fits")
        }
        if stretch.demandAtTargets <= stretch.budget {
            #expect(!stretch.isStretched, "under budget every class is on target")
        }
        if slots > 0, stretch.demandAtTargets <= m * stretch.budget {
            for c in classes { #expect(stretch.factor(c) <= m * (1 + 1e-9)) }
        }
    }

    @Test(arguments: 0..<100)
    func stretchIsMonotoneInDemandAndRestoredWhenLoadFalls(seed: UInt64) throws {
        var rng = SplitMix64(seed: 10_000 + seed)
        let policy = try Self.randomPolicy(&rng)
        let fleet = Self.randomFleet(&rng)
        let slots = Int.random(in: 1...400, using: &rng)
        var previous = policy.stretch(loads: Self.scaled(fleet, by: 0), slots: slots)
        #expect(!previous.isStretched)
        for step in 1...40 {
            let current = policy.stretch(loads: Self.scaled(fleet, by: Double(step) * 0.1), slots: slots)
            for c in SyncClass.allCases {
                #expect(current.factor(c) >= previous.factor(c) * (1 - 1e-9), "step \(step) \(c)")
            }
            previous = current
        }
        // Fewer slots never stretches less.
        let fewer = policy.stretch(loads: fleet, slots: max(1, slots / 2))
        let more = policy.stretch(loads: fleet, slots: slots)
        for c in SyncClass.allCases { #expect(fewer.factor(c) >= more.factor(c) * (1 - 1e-9)) }
        // Load falls back under the budget: every class is on target again.
        let budget = policy.targetUtilisation * Double(slots)
        let demand = policy.stretch(loads: fleet, slots: slots).demandAtTargets
        if demand > 0 {
            let back = policy.stretch(loads: Self.scaled(fleet, by: min(1, 0.9 * budget / demand)), slots: slots)
            #expect(!back.isStretched)
        }
    }
}
