import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import Testing
@testable import KlaroControlPlane

@Suite("Fleet: host states, key approval, held-back moves")
struct HostStateTests {
    @Test("every action from every state: allowed transitions and refusals")
    func transitions() {
        let expected: [HostAction: [HostAdminState: HostAdminState?]] = [
            .drain: [.active: .draining, .cordoned: .draining, .draining: .draining, .pending: nil, .refused: nil],
            .undrain: [.draining: .active, .active: .active, .cordoned: nil, .pending: nil, .refused: nil],
            .cordon: [.active: .cordoned, .draining: .cordoned, .cordoned: .cordoned, .pending: nil, .refused: nil],
            .uncordon: [.cordoned: .active, .active: .active, .draining: nil, .pending: nil, .refused: nil],
        ]
        for (action, table) in expected {
            #expect(table.count == HostAdminState.allCases.count)
            for (state, next) in table {
                switch action.apply(to: state) {
                case .success(let result):
                    #expect(result == next, "\(action) from \(state)")
                case .failure(let refusal):
                    #expect(next == nil, "\(action) from \(state) refused: \(refusal)")
                    #expect(refusal.description.contains(state.rawValue))
                }
            }
        }
        #expect(HostAdminState.allCases.filter(\.isAdmitted) == [.active, .draining, .cordoned])
    }

    @Test("approval takes exactly the key whose fingerprint the operator gave")
    func approval() throws {
        let key = try X25519KeyPair.generate().publicKeyBase64
        let other = try X25519KeyPair.generate().publicKeyBase64
        let fingerprint = try #require(HostApproval.fingerprint(ofBase64: key))
        #expect(fingerprint.hasPrefix("SHA256:"))

        let pending = HostApproval.decide(fingerprint: fingerprint, publicKey: key, approvedKey: nil, state: .pending)
        #expect(pending == .success(.init(state: .active, approvedKey: key)))

        // The host registered another key after the operator looked: refused, naming the new one.
        let changed = HostApproval.decide(fingerprint: fingerprint, publicKey: other, approvedKey: nil, state: .pending)
        #expect(changed == .failure(.keyChanged(presented: HostApproval.fingerprint(ofBase64: other)!)))

        // A refused host (new key) approved by the new key's fingerprint becomes active.
        let refused = HostApproval.decide(
            fingerprint: HostApproval.fingerprint(ofBase64: other)!, publicKey: other, approvedKey: key, state: .refused)
        #expect(refused == .success(.init(state: .active, approvedKey: other)))

        // Approving again changes nothing; a draining host keeps draining.
        let again = HostApproval.decide(fingerprint: fingerprint, publicKey: key, approvedKey: key, state: .draining)
        #expect(again == .success(.init(state: .draining, approvedKey: key)))

        #expect(HostApproval.decide(fingerprint: fingerprint, publicKey: "not base64!", approvedKey: nil, state: .pending)
                == .failure(.invalidKey))
    }

    @Test("held-back over-capacity moves leave no slot over capacity except the ones they would have left")
    func holdBack() throws {
        // Two slots hold everything; two new slots join. Minimal placement sheds the excess.
        let old = [SlotID(host: "a", index: 1), SlotID(host: "a", index: 2)]
        let new = [SlotID(host: "b", index: 1), SlotID(host: "b", index: 2)]
        let slots = (old + new).map { PlacementSlot(id: $0) }
        var accounts = (0..<200).map { i in PlacementAccount(id: UUID(), current: old[i % 2]) }
        accounts += (0..<20).map { _ in PlacementAccount(id: UUID()) }   // new accounts
        var result = try Placement.place(slots: slots, accounts: accounts)
        let shed = result.moves.count { $0.reason == .overCapacity }
        #expect(shed > 0)
        let held = AccountPlacer.holdBack(.overCapacity, in: &result)
        #expect(held == shed)
        #expect(result.moves.count == 20, "only the 20 new accounts move")
        #expect(result.moves.allSatisfy { $0.reason == .new })
        let counted = result.assignments.values.reduce(into: [SlotID: Int]()) { $0[$1, default: 0] += 1 }
        #expect(counted == result.loads.filter { $0.value != 0 })
        #expect(counted[old[0]] == 100 && counted[old[1]] == 100, "the old slots keep every account")
        for slot in new {
            #expect(counted[slot, default: 0] <= result.capacities[slot]!)
        }
    }
}
