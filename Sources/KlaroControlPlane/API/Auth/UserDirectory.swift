import Foundation
import HTTPTypes
import KlaroPostgres
import Synchronization

/// Creates a trader's `users` row the first time a token names them, refreshes
/// `last_seen_at`, and refuses users an operator disabled. What it read is trusted for
/// `recheckInterval` seconds, which keeps the database off the hot path and bounds how long
/// a disabled user's unexpired tokens keep working.
final class UserDirectory: Sendable {
    private struct Seen {
        let at: Double
        let disabled: Bool
    }

    private let pool: PostgresPool
    private let seen = Mutex<[UUID: Seen]>([:])
    let recheckInterval: Double
    let capacity: Int

    init(pool: PostgresPool, recheckInterval: Double = 60, capacity: Int = 100_000) {
        self.pool = pool
        self.recheckInterval = recheckInterval
        self.capacity = capacity
    }

    /// Makes sure the user exists and is not disabled (403 `user_banned` if it is).
    func ensure(_ userID: UUID, email: String?) async throws {
        let now = Date().timeIntervalSince1970
        let cached = seen.withLock { seen -> Seen? in
            guard let last = seen[userID], now - last.at < recheckInterval else { return nil }
            return last
        }
        let disabled: Bool
        if let cached {
            disabled = cached.disabled
        } else {
            disabled = try await pool.query(
                """
                INSERT INTO users (id, email) VALUES ($1, $2)
                ON CONFLICT (id) DO UPDATE SET last_seen_at = now(), email = COALESCE(EXCLUDED.email, users.email)
                RETURNING disabled_at IS NOT NULL
                """,
                [userID, email]
            ).first?.bool(0) ?? false
            seen.withLock { seen in
                if seen.count >= capacity { seen.removeAll(keepingCapacity: true) }
                seen[userID] = Seen(at: now, disabled: disabled)
            }
        }
        if disabled {
            throw HTTPProblem(.forbidden, code: "user_banned", message: "this user was disabled by an operator")
        }
    }
}
