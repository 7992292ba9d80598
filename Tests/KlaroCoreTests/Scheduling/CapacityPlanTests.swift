import Foundation
import Testing
import KlaroCore

@Suite struct CapacityPlanTests {
    // 3,000 moving at 6 s (60 busy slots at 300 s), 2,000 quiet at 4.5 s (10 at 900 s),
    // 5,000 dormant at 7.2 s (10 at 3600 s): demand 80 busy slots.
    let loads = [
        SyncLoad(syncClass: .moving, accounts: 3_000, meanSyncSeconds: 6),
        SyncLoad(syncClass: .quiet, accounts: 2_000, meanSyncSeconds: 4.5),
        SyncLoad(syncClass: .dormant, accounts: 5_000, meanSyncSeconds: 7.2),
    ]

    @Test func slotsAndHostsAtEveryScale() throws {
        let plan = try CapacityPlan(loads: loads, policy: .standard, targetUtilisation: 0.8)
        #expect(plan.rows.map(\.scale) == [1, 2, 5, 10])
        #expect(plan.rows.map(\.accounts) == [10_000, 20_000, 50_000, 100_000])
        #expect(plan.rows.map { ($0.demand * 1e6).rounded() / 1e6 } == [80, 160, 400, 800])
        // 80 / 0.8 = 100 slots = 25 hosts of 4; ×2 200/50; ×5 500/125; ×10 1000/250.
        #expect(plan.rows.map(\.slots) == [100, 200, 500, 1_000])
        #expect(plan.rows.map(\.hosts) == [25, 50, 125, 250])
    }

    @Test func roundsUpAndHonoursSlotsPerHostAndPlans() throws {
        let pro = try SyncPolicy(planTargets: ["pro": SyncTargets(moving: 150, quiet: 900, dormant: 3600)])
        // 10 pro moving accounts at 6 s every 150 s: 0.4 busy slots; at 0.7: 0.571… → 1 slot.
        let small = [SyncLoad(syncClass: .moving, plan: "pro", accounts: 10, meanSyncSeconds: 6)]
        let plan = try CapacityPlan(loads: small, policy: pro, targetUtilisation: 0.7, slotsPerHost: 3, scales: [1, 10])
        #expect(plan.rows.map(\.slots) == [1, 6])  // 4 / 0.7 = 5.71 → 6
        #expect(plan.rows.map(\.hosts) == [1, 2])
        #expect(try CapacityPlan(loads: [], policy: .standard, targetUtilisation: 0.8).rows.allSatisfy { $0.slots == 0 && $0.hosts == 0 })
    }

    @Test func refusesABadUtilisation() {
        for bad in [0, 0.009, -0.1, 1.01, .nan, .infinity] {
            #expect(throws: SyncPolicyError.self) { try CapacityPlan(loads: loads, policy: .standard, targetUtilisation: bad) }
        }
    }
}
