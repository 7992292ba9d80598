import Foundation
import KlaroCrypto
import Testing

@Suite("HostSealer: many jobs to one host")
struct HostSealerTests {
    @Test("every message opens with the host key for its own job's fields only")
    func sealsManyJobs() throws {
        let host = try X25519KeyPair.generate()
        let other = try X25519KeyPair.generate()
        let sealer = try HostSealer(hostPublicKey: host.publicKey)
        let jobs = (0..<20).map { "0193a7c4-5e0b-7cc1-9d6e-\(String(format: "%012d", $0))" }
        let binding = { (job: String) in SealBinding(jobID: job, accountID: "acc-\(job)", login: 5001, server: "Broker-Demo") }
        let sealed = try jobs.map { try sealer.seal("password-\($0)", binding: binding($0)) }
        for (job, text) in zip(jobs, sealed) {
            #expect(try HostSeal.open(text, privateKey: host.privateKey, binding: binding(job)) == "password-\(job)")
            #expect(throws: HostSealError.self) { try HostSeal.open(text, privateKey: host.privateKey, binding: binding(jobs[0] + "x")) }
            #expect(throws: HostSealError.self) { try HostSeal.open(text, privateKey: other.privateKey, binding: binding(job)) }
        }
        // One ephemeral key per sealer, a fresh nonce per message.
        #expect(sealed.allSatisfy { $0.hasPrefix("v2:") })
        let prefixes = Set(sealed.map { String($0.prefix(43)) })
        #expect(prefixes.count == 1)
        #expect(Set(sealed).count == sealed.count)
        let again = try sealer.seal("password-x", binding: binding(jobs[0]))
        #expect(again != (try sealer.seal("password-x", binding: binding(jobs[0]))))
        #expect(try HostSealer(hostPublicKey: host.publicKey).seal("p", binding: binding("j")).prefix(43) != sealed[0].prefix(43))
    }

    @Test("a wrong-length host key is refused")
    func badKey() {
        #expect(throws: HostSealError.self) { try HostSealer(hostPublicKey: [1, 2, 3]) }
    }
}
