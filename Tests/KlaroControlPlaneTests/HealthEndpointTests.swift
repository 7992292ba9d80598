import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("klarod health and metrics endpoints")
struct HealthEndpointTests {
    @Test("/readyz follows Redis and PostgreSQL outages while /healthz stays 200")
    func readinessFollowsOutages() async throws {
        let postgres = try DedicatedPostgres()
        defer { postgres.destroy() }
        let redis = try DedicatedRedis()
        defer { redis.destroy() }
        let pool = PostgresPool(configuration: .init(url: postgres.url, size: 1), logger: TestServices.logger())
        try await Migrator(pool: pool, migrations: try Migration.bundled(), logger: TestServices.logger()).migrate()
        await pool.close()

        let klarod = try await RunningControlPlane(
            configuration: try RunningControlPlane.configuration(databaseURL: postgres.url, redisURL: redis.url)
        )
        let ready = { try await TestHTTP.get(klarod.baseURL + "/readyz") }
        let healthy = { try await TestHTTP.get(klarod.baseURL + "/healthz").status == 200 }

        #expect(try await ready().status == 200)
        #expect(try await healthy())

        try redis.stop()
        let redisDown = try await ready()
        #expect(redisDown.status == 503)
        let body = try redisDown.json()
        #expect(body["ready"] as? Bool == false)
        #expect((body["redis"] as? [String: Any])?["up"] as? Bool == false)
        #expect((body["postgres"] as? [String: Any])?["up"] as? Bool == true)
        #expect(try await healthy())
        #expect(try await scrape(klarod).contains("klaro_dependency_up{dependency=\"redis\"} 0"))

        try redis.start()
        #expect(await TestHTTP.eventually { try await ready().status == 200 })

        try postgres.stop()
        let postgresDown = try await ready()
        #expect(postgresDown.status == 503)
        #expect((try postgresDown.json()["postgres"] as? [String: Any])?["up"] as? Bool == false)
        #expect(try await healthy())

        try postgres.start()
        #expect(await TestHTTP.eventually { try await ready().status == 200 })
        #expect(try await scrape(klarod).contains("klaro_dependency_up{dependency=\"postgres\"} 1"))
        await klarod.stop()
    }

    @Test("/readyz is 503 while migrations are pending")
    func pendingMigrations() async throws {
        try await withTestDatabase(migrated: false) { database in
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            )
            let reply = try await TestHTTP.get(klarod.baseURL + "/readyz")
            #expect(reply.status == 503)
            let migrations = try reply.json()["migrations"] as? [String: Any]
            #expect((migrations?["error"] as? String)?.contains("klarod migrate") == true)
            await klarod.stop()
        }
    }

    @Test("/metrics passes promtool check metrics, in the text format 0.0.4 even when OpenMetrics is asked for")
    func metricsExposition() async throws {
        try await withTestDatabase { database in
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            )
            _ = try await TestHTTP.get(klarod.baseURL + "/readyz")
            let text = try await TestHTTP.get(klarod.baseURL + "/metrics")
            #expect(text.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            for name in ["klaro_build_info", "klaro_dependency_up", "klaro_jobs_lost_total", "process_open_fds", "process_start_time_seconds"] {
                #expect(text.text.contains(name), "\(name) is exposed")
            }
            let file = NSTemporaryDirectory() + "metrics-\(UUID().uuidString).txt"
            try text.body.write(to: URL(fileURLWithPath: file))
            defer { unlink(file) }
            let check = try ServerProcess.capture("/bin/sh", ["-c", "promtool check metrics < \(file)"])
            #expect(check.status == 0, "promtool: \(check.output)")

            let open = try await TestHTTP.get(
                klarod.baseURL + "/metrics", headers: ["Accept": "application/openmetrics-text; version=1.0.0"])
            #expect(open.header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8")
            #expect(open.text.contains("# TYPE klaro_jobs_lost_total counter"))
            #expect(!open.text.contains("# EOF"))
            await klarod.stop()
        }
    }

    @Test("every response carries a request id, and errors are problem+json")
    func requestIDsAndProblems() async throws {
        try await withTestDatabase { database in
            let klarod = try await RunningControlPlane(
                configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: try await TestRedis.url())
            )
            let given = try await TestHTTP.get(klarod.baseURL + "/healthz", headers: ["X-Request-Id": "abc-123"])
            #expect(given.header("X-Request-Id") == "abc-123")
            let tooLong = String(repeating: "x", count: 100)
            let generated = try await TestHTTP.get(klarod.baseURL + "/healthz", headers: ["X-Request-Id": tooLong])
            #expect(generated.header("X-Request-Id").map { $0 != tooLong && $0.count == 36 } == true)
            let missing = try await TestHTTP.get(klarod.baseURL + "/no/such/route")
            #expect(missing.status == 404)
            #expect(missing.header("Content-Type") == "application/problem+json")
            #expect(try missing.json()["code"] as? String == "not_found")
            #expect(missing.header("X-Request-Id") != nil)
            await klarod.stop()
        }
    }
}

/// The text of `/metrics`.
func scrape(_ klarod: RunningControlPlane) async throws -> String {
    try await TestHTTP.get(klarod.baseURL + "/metrics").text
}
