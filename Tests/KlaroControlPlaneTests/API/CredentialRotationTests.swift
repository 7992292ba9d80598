import Foundation
import KlaroControlPlane
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Synchronization
import Testing

@Suite("klarod keys rotate")
struct CredentialRotationTests {
    @Test("re-seals every password under the current key, in batches, idempotently; unreadable ones are reported")
    func rotate() async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 2)
            let old = try KeyRing.generateEntry(id: "k_old")
            let oldVault = CredentialVault(keyRing: try KeyRing.parse(old))
            let newVault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "k_new") + "," + old))
            let user = UUID()
            try await pool.execute("INSERT INTO users (id) VALUES ($1)", [user])
            var passwords: [UUID: String] = [:]
            for index in 0..<7 {
                let id = UUID()
                passwords[id] = "pw-\(index)"
                try await pool.execute(
                    "INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server) VALUES ($1, $2, $3, $4, 'S')",
                    [id, user, index + 1, try oldVault.seal("pw-\(index)", accountID: id)])
            }
            // One already under the new key, one under a key nobody has any more.
            let fresh = UUID()
            passwords[fresh] = "fresh"
            try await pool.execute(
                "INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server) VALUES ($1, $2, 100, $3, 'S')",
                [fresh, user, try newVault.seal("fresh", accountID: fresh)])
            let lost = UUID()
            let lostEnvelope = try CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "k_gone"))).seal("x", accountID: lost)
            try await pool.execute(
                "INSERT INTO user_mt5_accounts (id, user_id, mt5_login, mt5_password_encrypted, mt5_server) VALUES ($1, $2, 101, $3, 'S')",
                [lost, user, lostEnvelope])

            let rotation = CredentialRotation(pool: pool, vault: newVault, batchSize: 3, logger: TestServices.logger())
            #expect(try await rotation.pending() == 8)
            let batches = BatchCounter()
            let report = try await rotation.run { _ in batches.add() }
            #expect(report.rotated == 7)
            #expect(report.failed.map(\.accountID) == [lost])
            #expect(report.failed.first?.reason.contains("k_gone") == true)
            #expect(report.remaining == 1)
            #expect(batches.count >= 3)

            for row in try await pool.query("SELECT id, mt5_password_encrypted FROM user_mt5_accounts WHERE id <> $1", [lost]) {
                let id = try row.uuid(0)
                let stored = try row.string(1)
                #expect(stored.hasPrefix("v1:k_new:"))
                #expect(try newVault.open(stored, accountID: id) == passwords[id])
            }
            #expect(try await pool.query("SELECT mt5_password_encrypted FROM user_mt5_accounts WHERE id = $1", [lost])[0].string(0) == lostEnvelope)

            // Running again changes nothing but still reports the unreadable one.
            let again = try await rotation.run()
            #expect(again.rotated == 0)
            #expect(again.failed.count == 1)
            await pool.close()
        }
    }
}

/// Counts progress callbacks from a Sendable closure.
final class BatchCounter: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
