import Foundation
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("PostgresPool against a real PostgreSQL")
struct PoolTests {
    @Test("many tasks share a small pool and each gets its own answer")
    func concurrentQueries() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 4)
            let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let rows = try await pool.query("SELECT $1::int * 2, pg_backend_pid()", [index])
                        return (index, try rows[0].int(0))
                    }
                }
                return try await group.reduce(into: [Int: Int]()) { $0[$1.0] = $1.1 }
            }
            #expect(answers.count == 300)
            #expect(answers.allSatisfy { $0.value == $0.key * 2 })
            let backends = try await pool.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'klaro-test' AND datname = current_database()")
            #expect(try backends[0].int(0) <= 4, "never more connections than the pool size")
            await pool.close()
        }
    }

    @Test("queries cancelled before they run give their slot back, and every slot is usable after")
    func cancelledQueriesReturnLeases() async throws {
        try await withTestDatabase(migrated: false) { database in
            let size = 4
            let pool = database.pool(size: size)
            // A barrier: each caller arrives (a sequence, which every session sees at once) and
            // waits until all `size` have arrived, so they must hold `size` connections together.
            try await pool.execute("CREATE SEQUENCE arrivals")
            try await pool.execute("""
                CREATE FUNCTION wait_for_peers(wanted int) RETURNS int LANGUAGE plpgsql AS $$
                DECLARE arrived int;
                BEGIN
                    PERFORM nextval('arrivals');
                    FOR attempt IN 1..400 LOOP
                        SELECT last_value INTO arrived FROM arrivals;
                        EXIT WHEN arrived >= wanted;
                        PERFORM pg_sleep(0.025);
                    END LOOP;
                    RETURN arrived;
                END $$
                """)
            // Hundreds of queries whose tasks are cancelled before they reach a thread: some
            // get a lease at once (idle connection), the rest queue for one.
            await withTaskGroup(of: Void.self) { group in
                group.cancelAll()
                for _ in 0..<300 {
                    group.addTask { _ = try? await pool.query("SELECT 1") }
                }
            }
            // Every slot at once: each query waits until all `size` run side by side. A leaked
            // lease would leave one waiting for a slot forever; the guard turns that into a failure.
            let seen = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<size {
                    group.addTask { try await pool.query("SELECT wait_for_peers($1)", [size])[0].int(0) }
                }
                group.addTask {
                    try await Task.sleep(for: .seconds(30))
                    return nil
                }
                var seen: [Int] = []
                for try await answer in group {
                    guard let answer else { break }
                    seen.append(answer)
                    if seen.count == size { break }
                }
                group.cancelAll()
                return seen
            }
            #expect(seen.count == size, "every slot of the pool answers after the cancellations")
            #expect(seen.allSatisfy { $0 >= size }, "all \(size) connections ran at the same time: \(seen)")
            await pool.close()
        }
    }

    @Test("values round-trip as parameters, including ones that look like SQL")
    func parameterRoundTrip() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 1)
            let text = "it's \"quoted\" \\ ünïcødé 🚀'); DROP TABLE x; --"
            let id = UUID()
            let date = Date(timeIntervalSince1970: 1_764_057_600.123456)
            let rows = try await pool.query(
                "SELECT $1::text, $2::uuid, $3::timestamptz, $4::float8, $5::bool, $6::text, $7::text[], $8::bigint[]",
                [text, id, date, 0.1 + 0.2, true, Optional<String>.none, ["a,b", "{c}", "\"d\"", text], [Int64.max, -1]]
            )
            let row = rows[0]
            #expect(try row.string(0) == text)
            #expect(try row.uuid(1) == id)
            #expect(abs(try row.date(2).timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
            #expect(try row.double(3) == 0.1 + 0.2)
            #expect(try row.bool(4))
            #expect(row.isNull(5))
            #expect(try row.string(6) == #"{"a,b","{c}","\"d\"","it's \"quoted\" \\ ünïcødé 🚀'); DROP TABLE x; --"}"#)
            let unnested = try await pool.query("SELECT unnest($1::text[])", [["x\\y", text]])
            #expect(try unnested.map { try $0.string(0) } == ["x\\y", text])
            await pool.close()
        }
    }

    @Test("a bad statement throws a typed error that names the failure")
    func serverErrors() async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 1)
            do {
                try await pool.execute("SELEC 1")
                Issue.record("a syntax error must throw")
            } catch let error as PostgresError {
                #expect(error.sqlState == "42601")
                #expect("\(error)".contains("syntax error"))
            }
            let user = UUID()
            try await pool.execute("INSERT INTO users (id) VALUES ($1)", [user])
            do {
                try await pool.execute("INSERT INTO users (id) VALUES ($1)", [user])
                Issue.record("a duplicate key must throw")
            } catch let error as PostgresError {
                #expect(error.sqlState == "23505")
                guard case .server(let server) = error else { throw error }
                #expect(server.constraint == "users_pkey")
            }
            // The connection is still usable after errors.
            #expect(try await pool.query("SELECT 41 + 1")[0].int(0) == 42)
            await pool.close()
        }
    }

    @Test("a transaction that throws is rolled back")
    func transactionRollback() async throws {
        try await withTestDatabase { database in
            let pool = database.pool(size: 1)
            struct Abort: Error {}
            let user = UUID()
            await #expect(throws: Abort.self) {
                try await pool.transaction { connection in
                    try connection.execute("INSERT INTO users (id) VALUES ($1)", [user])
                    throw Abort()
                }
            }
            #expect(try await pool.query("SELECT count(*) FROM users")[0].int(0) == 0)
            try await pool.transaction { connection in
                try connection.execute("INSERT INTO users (id) VALUES ($1)", [user])
            }
            #expect(try await pool.query("SELECT count(*) FROM users")[0].int(0) == 1)
            await pool.close()
        }
    }

    @Test("queries succeed again after the server restarts")
    func reconnectAfterRestart() async throws {
        let server = try DedicatedPostgres()
        defer { server.destroy() }
        let pool = PostgresPool(configuration: .init(url: server.url, size: 2), logger: TestServices.logger())
        let before = try await pool.query("SELECT pg_backend_pid()")[0].int(0)

        try server.stop()
        do {
            try await pool.ping()
            Issue.record("a query while the server is down must fail")
        } catch let error as PostgresError {
            #expect(error.isConnectionError)
            #expect("\(error)".contains("127.0.0.1"), "the error names the server")
        }
        try server.start()

        let after = try await pool.query("SELECT pg_backend_pid()")[0].int(0)
        #expect(after != before, "a new server session")
        await pool.close()
    }

    @Test("a connection the server closed is replaced at checkout")
    func replacesKilledConnection() async throws {
        try await withTestDatabase(migrated: false) { database in
            let pool = database.pool(size: 1)
            let victim = try await pool.query("SELECT pg_backend_pid()")[0].int(0)
            let admin = database.pool(size: 1)
            try await admin.query("SELECT pg_terminate_backend($1)", [victim])
            try await Task.sleep(for: .milliseconds(100))
            let next = try await pool.query("SELECT pg_backend_pid()")[0].int(0)
            #expect(next != victim)
            await pool.close()
            await admin.close()
        }
    }

    @Test("timestamps format and parse exactly")
    func timestampText() throws {
        let samples: [Double] = [0, 1_764_057_600.5, -86_400.25, 4_102_444_800.000_001, 951_782_400]
        for seconds in samples {
            let date = Date(timeIntervalSince1970: seconds)
            let text = PostgresTimestamp.format(date)
            let parsed = try #require(PostgresTimestamp.parse(text))
            #expect(abs(parsed.timeIntervalSince1970 - seconds) < 0.000_001, "\(text)")
        }
        #expect(PostgresTimestamp.format(Date(timeIntervalSince1970: 951_782_400)) == "2000-02-29 00:00:00.000000+00")
        #expect(PostgresTimestamp.parse("2026-11-25 09:59:57+02")?.timeIntervalSince1970 == 1_795_593_597)
        #expect(PostgresTimestamp.parse("infinity") == nil)
        #expect(PostgresTimestamp.parse("2026-13-01 00:00:00+00") == nil)
    }
}
