import Foundation
import KlaroPostgres
import KlaroTestSupport
import Testing

/// `PostgresConnection.forEachBatch`: a large result read through a cursor (issue 16: libpq
/// holds a whole result, and the heap keeps its high-water mark).
@Suite("PostgresConnection: reading in batches")
struct BatchReadTests {
    @Test("every row once, in order, in batches of the size asked; parameters bound; again on the same connection")
    func batches() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 1)
            for _ in 0..<2 {
                let (values, sizes) = try await pool.transaction { connection in
                    var values: [Int] = [], sizes: [Int] = []
                    try connection.forEachBatch("SELECT i FROM generate_series(1, $1::int) AS i ORDER BY i", [2_500], batch: 1_000) { rows in
                        sizes.append(rows.count)
                        for row in rows { values.append(try row.int(0)) }
                    }
                    return (values, sizes)
                }
                #expect(values == Array(1...2_500))
                #expect(sizes == [1_000, 1_000, 500])
            }
            let none = try await pool.transaction { connection in
                var calls = 0
                try connection.forEachBatch("SELECT 1 WHERE false") { _ in calls += 1 }
                return calls
            }
            #expect(none == 0)
            // A cursor needs a transaction; PostgreSQL says so, and the connection stays usable.
            await #expect(throws: PostgresError.self) {
                try await pool.withConnection { connection in try connection.forEachBatch("SELECT 1") { _ in } }
            }
            #expect(try await pool.query("SELECT 2")[0].int(0) == 2)
            await pool.close()
        }
    }
}

/// A connection that sent a large message is replaced after use (issue 16: libpq keeps its send
/// buffer at the largest message's size for the connection's life).
@Suite("PostgresPool: a connection whose buffers grew is recycled")
struct ConnectionRecyclingTests {
    @Test("a statement with 256 KB of parameters: the next closure gets a new session; small ones keep theirs")
    func recycled() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 1)
            let first = try await pool.query("SELECT pg_backend_pid()")[0].int(0)
            let small = try await pool.query("SELECT length($1::text), pg_backend_pid()", [String(repeating: "x", count: 1_000)])[0]
            #expect(try small.int(1) == first, "small messages keep the session")
            let large = String(repeating: "x", count: PostgresConnection.recycleAfterBytes)
            let (length, during) = try await pool.transaction { connection in
                let row = try connection.query("SELECT length($1::text), pg_backend_pid()", [large])[0]
                return (try row.int(0), try row.int(1))
            }
            #expect(length == large.utf8.count)
            #expect(during == first)
            let after = try await pool.query("SELECT pg_backend_pid()")[0].int(0)
            #expect(after != first, "the connection that sent \(large.utf8.count) bytes was closed")
            #expect(try await pool.query("SELECT pg_backend_pid()")[0].int(0) == after)
            await pool.close()
        }
    }
}
