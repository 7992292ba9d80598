import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import Logging

/// `klaro-bench api`: latency of the traders' API under load, for a pro user with 10 MT5
/// accounts and a year of history (deals, trades, a snapshot every 15 minutes). Starts the
/// `klarod` built next to this binary against a fresh database, drives it with `wrk` (or a
/// built-in closed-loop client when wrk is missing), and prints p50/p99 and requests/s.
struct APIBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Load-test GET /api/dashboard/summary and one analytics call (needs PostgreSQL)."
    )

    @OptionGroup var servers: BenchServers

    @Option(help: "MT5 accounts of the user.")
    var accounts = 10

    @Option(help: "Days of history per account.")
    var days = 365

    @Option(help: "Closed trades per account per day.")
    var tradesPerDay = 10

    @Option(help: "Seconds of load per endpoint.")
    var duration = 10

    @Option(help: "Concurrent connections.")
    var connections = 8

    @Option(help: "The analytics call to measure.")
    var analyticsPath = "/api/analytics/report?range=30d"

    @Flag(help: "Keep the database afterwards (its name is printed).")
    var keep = false

    mutating func validate() throws {
        guard accounts >= 1, days >= 1, tradesPerDay >= 1, duration >= 1, connections >= 1 else {
            throw ValidationError("every count must be at least 1")
        }
    }

    func run() async throws {
        let (adminURL, redis) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let pool = PostgresPool(configuration: .init(url: database.url, size: 2, statementTimeout: 0), logger: logger)
        var klarod: BenchProcess?
        do {
            let user = UUID()
            let started = Date()
            try await APIBenchFixture(accounts: accounts, days: days, tradesPerDay: tradesPerDay).load(user: user, pool: pool)
            let counts = try await pool.query(
                "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM trades), (SELECT count(*) FROM account_snapshots)")
            print("api: \(accounts) accounts, \(days) days: \(try counts[0].int(0)) deals, \(try counts[0].int(1)) trades, "
                  + "\(try counts[0].int(2)) snapshots (seeded in \(String(format: "%.1f", Date().timeIntervalSince(started))) s)")

            let secret = Self.hex(count: 32)
            let port = try Self.freePort()
            let base = "http://127.0.0.1:\(port)"
            let env = try BenchProcess.klarodEnvironment(databaseURL: database.url, redisURL: redis, port: port, jwtSecret: secret)
            klarod = try BenchProcess.start(BenchProcess.klarodPath, ["serve"], environment: env)
            try await Self.waitForHealth(base)
            let token = Self.token(user: user, secret: secret, issuer: base + "/auth/v1")

            BalanceCurveBench.run()
            let first = try await pool.query("SELECT id FROM user_mt5_accounts ORDER BY created_at, id LIMIT 1")[0].uuid(0)
            let oneAccount = "/api/analytics/report?range=30d&account_id=\(first.uuidString.lowercased())"
            for path in ["/api/dashboard/summary", oneAccount, analyticsPath] {
                let probe = try await BenchHTTP.get(base + path, token: token)
                guard probe.status == 200 else {
                    throw ValidationError("\(path) answered \(probe.status): \(String(decoding: probe.body.prefix(300), as: UTF8.self))")
                }
                let result = try await LoadGenerator(url: base + path, token: token, seconds: duration, connections: connections).run()
                print("api: GET \(path)  (\(probe.body.count) bytes, \(result.tool), \(connections) connections, \(duration) s)")
                print("       p50 \(Self.ms(result.p50))  p99 \(Self.ms(result.p99))  \(String(format: "%.0f", result.requestsPerSecond)) req/s"
                      + "  \(result.requests) requests, \(result.errors) errors")
            }
        } catch {
            await klarod?.stop()
            await pool.close()
            if !keep { await database.drop(logger: logger) }
            throw error
        }
        await klarod?.stop()
        await pool.close()
        if keep { print("api: kept database \(database.name)") } else { await database.drop(logger: logger) }
    }

    // MARK: Helpers

    static func ms(_ seconds: Double) -> String { String(format: "%.2f ms", seconds * 1000) }

    static func hex(count: Int) -> String {
        (0..<count).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
    }

    /// An HS256 token shaped like Supabase's.
    static func token(user: UUID, secret: String, issuer: String) -> String {
        func encode(_ bytes: [UInt8]) -> String { Base64URL.encode(bytes) }
        let header = encode(Array(#"{"alg":"HS256","typ":"JWT"}"#.utf8))
        let exp = Int(Date().timeIntervalSince1970) + 86_400
        let payload = encode(Array(
            #"{"sub":"\#(user.uuidString.lowercased())","aud":"authenticated","role":"authenticated","iss":"\#(issuer)","exp":\#(exp)}"#.utf8))
        let signature = (try? HMAC.sha256(key: Array(secret.utf8), message: Array("\(header).\(payload)".utf8))) ?? []
        return "\(header).\(payload).\(encode(signature))"
    }

    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw ValidationError("no free port") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func waitForHealth(_ base: String) async throws {
        for _ in 0..<150 {
            if let reply = try? await BenchHTTP.get(base + "/healthz", token: nil), reply.status == 200 { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ValidationError("klarod did not start listening at \(base)")
    }
}
