import Foundation
import KlaroCrypto
import KlaroPostgres
import Logging

/// Re-encrypts every stored MT5 password under the key ring's current key (`klarod keys
/// rotate`), in batches, each batch one transaction.
///
/// Resumable and idempotent: rows already under the current key are skipped, so a run that
/// stopped half-way is finished by running it again. Each row is written only if it still
/// holds the envelope that was read (a trader who changed the password meanwhile already has
/// one under the current key).
public struct CredentialRotation: Sendable {
    /// What a run did.
    public struct Report: Sendable, Equatable {
        /// Envelopes re-sealed under the current key.
        public var rotated = 0
        /// Envelopes that could not be opened (account ids and reasons, never contents).
        public var failed: [Failure] = []
        /// Rows skipped because they changed while the batch ran.
        public var changedMeanwhile = 0
        /// Envelopes still needing rotation when the run ended (failures included).
        public var remaining = 0
    }

    public struct Failure: Sendable, Equatable, CustomStringConvertible {
        public let accountID: UUID
        public let reason: String
        public var description: String { "account \(accountID.uuidString.lowercased()): \(reason)" }
    }

    public let pool: PostgresPool
    public let vault: CredentialVault
    public let batchSize: Int
    private let logger: Logger

    public init(pool: PostgresPool, vault: CredentialVault, batchSize: Int = 500, logger: Logger) {
        self.pool = pool
        self.vault = vault
        self.batchSize = max(1, batchSize)
        self.logger = logger
    }

    /// How many envelopes are not under the current key.
    public func pending() async throws -> Int {
        let prefix = currentPrefix
        return try await pool.query(
            "SELECT count(*) FROM user_mt5_accounts WHERE NOT starts_with(mt5_password_encrypted, $1)", [prefix]
        )[0].int(0)
    }

    /// Rotates everything; `progress` is called after each batch with the running report.
    public func run(progress: @Sendable (Report) -> Void = { _ in }) async throws -> Report {
        var report = Report()
        var after = UUID(uuidString: "00000000-0000-0000-0000-000000000000")!
        let prefix = currentPrefix
        let vault = self.vault
        let batchSize = self.batchSize
        while true {
            let cursor = after
            let batch = try await pool.transaction { connection -> (last: UUID?, rotated: Int, changed: Int, failed: [Failure]) in
                let rows = try connection.query(
                    """
                    SELECT id, mt5_password_encrypted FROM user_mt5_accounts
                    WHERE id > $1 AND NOT starts_with(mt5_password_encrypted, $2)
                    ORDER BY id LIMIT $3
                    FOR UPDATE SKIP LOCKED
                    """,
                    [cursor, prefix, batchSize]
                )
                var rotated = 0, changed = 0
                var failed: [Failure] = []
                var last: UUID?
                for row in rows {
                    let id = try row.uuid(0)
                    let stored = try row.string(1)
                    last = id
                    let resealed: String
                    do {
                        resealed = try vault.reseal(stored, accountID: id)
                    } catch let error as CredentialError {
                        failed.append(Failure(accountID: id, reason: error.description))
                        continue
                    }
                    let written = try connection.execute(
                        "UPDATE user_mt5_accounts SET mt5_password_encrypted = $2 WHERE id = $1 AND mt5_password_encrypted = $3",
                        [id, resealed, stored]
                    )
                    if written == 1 { rotated += 1 } else { changed += 1 }
                }
                return (last, rotated, changed, failed)
            }
            report.rotated += batch.rotated
            report.changedMeanwhile += batch.changed
            report.failed += batch.failed
            for failure in batch.failed {
                logger.error("cannot rotate a stored credential", metadata: ["account_id": "\(failure.accountID)", "reason": "\(failure.reason)"])
            }
            guard let last = batch.last else { break }
            progress(report)
            after = last
        }
        report.remaining = try await pending()
        return report
    }

    private var currentPrefix: String { "v1:\(vault.keyRing.currentKeyID):" }
}
