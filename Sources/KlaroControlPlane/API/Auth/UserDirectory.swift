import Foundation
import KlaroPostgres
import Synchronization

/// Creates a trader's `users` row the first time a token names them, and refreshes
/// `last_seen_at` at most every few minutes; a cache of recently seen users keeps this off
/// the hot path.
final class UserDirectory: Sendable {
    private let pool: PostgresPool
    private let seen = Mutex<[UUID: Double]>([:])
    /// Seconds between `last_seen_at` updates of one user.
    let touchInterval: Double
    let capacity: Int

    init(pool: PostgresPool, touchInterval: Double = 300, capacity: Int = 100_000) {
        self.pool = pool
        self.touchInterval = touchInterval
        self.capacity = capacity
    }

    /// Makes sure the user exists.
    func ensure(_ userID: UUID, email: String?) async throws {
        let now = Date().timeIntervalSince1970
        let fresh = seen.withLock { seen in
            if let last = seen[userID], now - last < touchInterval { return true }
            return false
        }
        if fresh { return }
        try await pool.execute(
            """
            INSERT INTO users (id, email) VALUES ($1, $2)
            ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), email = COALESCE(EXCLUDED.email, users.email)
            """,
            [userID, email]
        )
        seen.withLock { seen in
            if seen.count >= capacity { seen.removeAll(keepingCapacity: true) }
            seen[userID] = now
        }
    }
}
