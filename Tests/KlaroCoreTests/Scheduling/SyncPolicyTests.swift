import Foundation
import Testing
import KlaroCore

/// Hand-computed cases. The fleet: at the standard targets and 6 s a sync, 100 moving
/// (100·6/300 = 2 busy slots), 300 quiet (300·6/900 = 2) and 1,200 dormant (1200·6/3600 = 2):
/// demand 6 slots; the budget is 0.8 × live slots; each class stretches up to 2× here.
@Suite struct SyncPolicyTests {
    let policy = try! SyncPolicy(maxStretch: 2)
    let fleet = [
        SyncLoad(syncClass: .moving, accounts: 100, meanSyncSeconds: 6),
        SyncLoad(syncClass: .quiet, accounts: 300, meanSyncSeconds: 6),
        SyncLoad(syncClass: .dormant, accounts: 1200, meanSyncSeconds: 6),
    ]

    private func expectFactors(_ stretch: SyncStretch, _ moving: Double, _ quiet: Double, _ dormant: Double) {
        #expect(abs(stretch.factor(.moving) - moving) < 1e-9, "moving \(stretch.factor(.moving))")
        #expect(abs(stretch.factor(.quiet) - quiet) < 1e-9, "quiet \(stretch.factor(.quiet))")
        #expect(abs(stretch.factor(.dormant) - dormant) < 1e-9, "dormant \(stretch.factor(.dormant))")
    }

    @Test func defaults() {
        let standard = SyncPolicy.standard
        #expect(standard.targets == SyncTargets(moving: 300, quiet: 900, dormant: 3600))
        #expect(standard.targetUtilisation == 0.8)
        #expect(standard.maxStretch == 1.7)
    }

    @Test func underBudgetEveryClassIsOnTarget() {
        let stretch = policy.stretch(loads: fleet, slots: 10)  // budget 8 ≥ 6
        expectFactors(stretch, 1, 1, 1)
        #expect(abs(stretch.demand - 6) < 1e-9)
        #expect(abs(stretch.demandRatio - 0.6) < 1e-9)
        #expect(!stretch.isStretched)
        #expect(policy.interval(.quiet, stretch: stretch) == 900)
    }

    @Test func dormantStretchesFirst() {
        // Budget 5.6: dormant gets 5.6 − 2 − 2 = 1.6 slots for its 2: factor 1.25.
        let stretch = policy.stretch(loads: fleet, slots: 7)
        expectFactors(stretch, 1, 1, 1.25)
        #expect(abs(stretch.demand - 5.6) < 1e-9)
        #expect(abs(policy.interval(.dormant, stretch: stretch) - 4500) < 1e-9)
    }

    @Test func quietStretchesOnceDormantIsAtItsBound() {
        // Budget 4.8: dormant at 2 (1 slot), quiet gets 4.8 − 2 − 1 = 1.8 for its 2: 10/9.
        let stretch = policy.stretch(loads: fleet, slots: 6)
        expectFactors(stretch, 1, 2.0 / 1.8, 2)
        #expect(abs(stretch.demand - 4.8) < 1e-9)
        #expect(abs(policy.interval(.quiet, stretch: stretch) - 1000) < 1e-9)
    }

    @Test func boundaryBetweenPhases() {
        // Budget 4: dormant at 2 leaves exactly 1 slot for quiet's 2: factor 2, moving on target.
        expectFactors(policy.stretch(loads: fleet, slots: 5), 1, 2, 2)
    }

    @Test func movingStretchesLast() {
        // Budget 3.2: quiet and dormant at 2 (1 + 1), moving gets 1.2 for its 2: 5/3.
        let stretch = policy.stretch(loads: fleet, slots: 4)
        expectFactors(stretch, 2.0 / 1.2, 2, 2)
        #expect(abs(policy.interval(.moving, stretch: stretch) - 500) < 1e-9)
    }

    @Test func beyondTheBoundEveryClassStretchesTogether() {
        // Budget 1.6: all at 2 need 3; the extra factor 6 / (2 · 1.6) = 1.875 → 3.75 each.
        let stretch = policy.stretch(loads: fleet, slots: 2)
        expectFactors(stretch, 3.75, 3.75, 3.75)
        #expect(abs(stretch.demand - 1.6) < 1e-9)
        #expect(stretch.fitsBudget)
    }

    @Test func noSlotKeepsTheBoundAndSaysItDoesNotFit() {
        let stretch = policy.stretch(loads: fleet, slots: 0)
        expectFactors(stretch, 2, 2, 2)
        #expect(!stretch.fitsBudget)
        #expect(stretch.demandRatio == .infinity)
        #expect(policy.stretch(loads: [], slots: 0).demandRatio == 0)
    }

    @Test func perPlanTargets() throws {
        let pro = try SyncTargets.parse("moving=150", base: .standard)
        #expect(pro == SyncTargets(moving: 150, quiet: 900, dormant: 3600))
        let policy = try SyncPolicy(planTargets: ["pro": pro], maxStretch: 2)
        #expect(policy.target(.moving, plan: "pro") == 150)
        #expect(policy.target(.moving, plan: "free") == 300)
        #expect(policy.target(.moving) == 300)
        // 100 pro moving accounts at 150 s: 4 slots; with the fleet above, 10 at targets.
        let loads = fleet + [SyncLoad(syncClass: .moving, plan: "pro", accounts: 100, meanSyncSeconds: 6)]
        let stretch = policy.stretch(loads: loads, slots: 10)  // budget 8 < 10
        #expect(abs(stretch.demandAtTargets - 10) < 1e-9)
        // Dormant at 2 saves 1, quiet at 2 saves 1: 8 fits exactly.
        expectFactors(stretch, 1, 2, 2)
    }

    @Test func utilisationMovesTheBudget() throws {
        let full = try SyncPolicy(targetUtilisation: 1, maxStretch: 2)
        expectFactors(full.stretch(loads: fleet, slots: 6), 1, 1, 1)
        let half = try SyncPolicy(targetUtilisation: 0.5, maxStretch: 2)
        // Budget 5: dormant gets 5 − 4 = 1 slot for its 2.
        expectFactors(half.stretch(loads: fleet, slots: 10), 1, 1, 2)
    }

    @Test func refusesBadSettings() {
        #expect(throws: SyncPolicyError.utilisationOutOfRange(0)) { try SyncPolicy(targetUtilisation: 0) }
        #expect(throws: SyncPolicyError.utilisationOutOfRange(1.5)) { try SyncPolicy(targetUtilisation: 1.5) }
        #expect(throws: SyncPolicyError.stretchBelowOne(0.5)) { try SyncPolicy(maxStretch: 0.5) }
        #expect(throws: SyncPolicyError.nonPositiveTarget("quiet")) {
            try SyncPolicy(targets: SyncTargets(moving: 300, quiet: 0, dormant: 3600))
        }
        #expect(throws: SyncPolicyError.nonPositiveTarget("pro.moving")) {
            try SyncPolicy(planTargets: ["pro": SyncTargets(moving: -1, quiet: 900, dormant: 3600)])
        }
        #expect(throws: SyncPolicyError.malformedPlanTargets("fast=10")) {
            try SyncTargets.parse("fast=10", base: .standard)
        }
        #expect(throws: SyncPolicyError.malformedPlanTargets("moving")) {
            try SyncTargets.parse("moving", base: .standard)
        }
        #expect(throws: SyncPolicyError.nonPositiveTarget("quiet")) {
            try SyncTargets.parse("quiet=abc", base: .standard)
        }
    }
}
