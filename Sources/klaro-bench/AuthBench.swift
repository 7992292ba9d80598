import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import KlaroCrypto
import KlaroPostgres

/// `klaro-bench auth`: the built-in identity's log-in rate and latency at the Argon2id cost
/// (OWASP: 19 MiB, 2 iterations), and `/api/accounts` latency with a built-in token against a
/// Supabase ES256 token (JWKS from a file). Starts the `klarod` built next to this binary,
/// once per mode, on one fresh database.
struct AuthBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Log-ins per second and their p99; /api/accounts p99 with built-in vs Supabase ES256 tokens."
    )

    @OptionGroup var servers: BenchServers

    @Option(help: "Seconds of load per measurement.")
    var duration = 10

    @Option(help: "Concurrent log-ins.")
    var loginConcurrency = 4

    @Option(help: "Concurrent connections on /api/accounts.")
    var connections = 8

    func run() async throws {
        let (adminURL, redis) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let jwks = FileManager.default.temporaryDirectory.appendingPathComponent("klaro-bench-jwks-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: jwks) }
        var klarod: BenchProcess?
        do {
            let port = try APIBench.freePort()
            let base = "http://127.0.0.1:\(port)"
            var env = try BenchProcess.klarodEnvironment(
                databaseURL: database.url, redisURL: redis, port: port, jwtSecret: APIBench.hex(count: 32))
            env["KLARO_AUTH_RATE_LIMIT"] = "0"
            env["KLARO_AUTH_EMAIL_RATE_LIMIT"] = "0"

            // Built-in identity: sign up once, then log in over and over.
            klarod = try BenchProcess.start(BenchProcess.klarodPath, ["serve"], environment: env)
            try await APIBench.waitForHealth(base)
            let credentials = ["email": "bench@example.com", "password": "a bench password 1"]
            let signUp = try await Self.post(base + "/auth/v1/signup", credentials)
            guard signUp.status == 200, let session = try JSONSerialization.jsonObject(with: signUp.body) as? [String: Any],
                  let builtInToken = session["access_token"] as? String,
                  let userID = (session["user"] as? [String: Any])?["id"] as? String
            else { throw BenchError("sign-up answered \(signUp.status): \(String(decoding: signUp.body, as: UTF8.self))") }
            let logins = try await Self.measure(seconds: duration, concurrency: loginConcurrency) {
                try await Self.post(base + "/auth/v1/token?grant_type=password", credentials).status == 200
            }
            print("auth: POST /auth/v1/token?grant_type=password (Argon2id m=19 MiB t=2 p=1, \(loginConcurrency) concurrent, \(duration) s)")
            print("       \(String(format: "%.1f", logins.perSecond)) logins/s  p50 \(APIBench.ms(logins.p50))  p99 \(APIBench.ms(logins.p99))"
                  + "  \(logins.count) logins, \(logins.errors) errors")
            // Refused log-ins: a wrong password and an unknown email should cost the same.
            for (label, email) in [("wrong password", "bench@example.com"), ("unknown email", "nobody@example.com")] {
                let refused = try await Self.measure(seconds: max(2, duration / 3), concurrency: loginConcurrency) {
                    try await Self.post(base + "/auth/v1/token?grant_type=password", ["email": email, "password": "not the password"])
                        .status == 400
                }
                print("       \(label): p50 \(APIBench.ms(refused.p50))  p99 \(APIBench.ms(refused.p99))  (\(refused.count) attempts)")
            }
            let builtIn = try await LoadGenerator(url: base + "/api/accounts", token: builtInToken, seconds: duration,
                                                  connections: connections).run()
            Self.report("built-in HS256 token", builtIn, connections: connections, duration: duration)
            await klarod?.stop()
            klarod = nil

            // Supabase mode: the same user, an ES256 token checked against a JWKS file.
            let key = try JWSPrivateKey(generating: .es256)
            let parts = try key.publicComponents()
            let document: [String: Any] = ["keys": [[
                "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": "bench-1",
                "x": Self.base64URL(parts["x"]!), "y": Self.base64URL(parts["y"]!),
            ]]]
            try JSONSerialization.data(withJSONObject: document).write(to: jwks)
            let project = "https://bench.supabase.invalid"
            env["KLARO_SUPABASE_URL"] = project
            env["KLARO_SUPABASE_JWKS_FILE"] = jwks.path
            klarod = try BenchProcess.start(BenchProcess.klarodPath, ["serve"], environment: env)
            try await APIBench.waitForHealth(base)
            let supabaseToken = try Self.es256Token(key: key, kid: "bench-1", user: userID, issuer: project + "/auth/v1")
            let probe = try await BenchHTTP.get(base + "/api/accounts", token: supabaseToken)
            guard probe.status == 200 else { throw BenchError("the ES256 token answered \(probe.status)") }
            let supabase = try await LoadGenerator(url: base + "/api/accounts", token: supabaseToken, seconds: duration,
                                                   connections: connections).run()
            Self.report("Supabase ES256 token", supabase, connections: connections, duration: duration)
        } catch {
            await klarod?.stop()
            await database.drop(logger: logger)
            throw error
        }
        await klarod?.stop()
        await database.drop(logger: logger)
    }

    static func report(_ label: String, _ result: LoadGenerator.Result, connections: Int, duration: Int) {
        print("auth: GET /api/accounts with a \(label) (\(result.tool), \(connections) connections, \(duration) s)")
        print("       p50 \(APIBench.ms(result.p50))  p99 \(APIBench.ms(result.p99))  \(String(format: "%.0f", result.requestsPerSecond)) req/s"
              + "  \(result.requests) requests, \(result.errors) errors")
    }

    struct Measurement {
        let p50: Double
        let p99: Double
        let perSecond: Double
        let count: Int
        let errors: Int
    }

    /// Runs `call` in `concurrency` closed loops for `seconds`; latencies of every call.
    static func measure(seconds: Int, concurrency: Int, _ call: @escaping @Sendable () async throws -> Bool) async throws -> Measurement {
        let clock = ContinuousClock()
        let started = clock.now
        let deadline = started + .seconds(seconds)
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var latencies: [Double] = [], errors = 0
                    while clock.now < deadline {
                        let begin = clock.now
                        if try await !call() { errors += 1 }
                        let elapsed = clock.now - begin
                        latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
                    }
                    return (latencies, errors)
                }
            }
            var all: [([Double], Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let wall = clock.now - started
        let latencies = results.flatMap(\.0).sorted()
        guard !latencies.isEmpty else { throw BenchError("no call finished") }
        let quantile = { (q: Double) in latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))] }
        return Measurement(
            p50: quantile(0.5), p99: quantile(0.99),
            perSecond: Double(latencies.count) / (Double(wall.components.seconds) + Double(wall.components.attoseconds) * 1e-18),
            count: latencies.count, errors: results.reduce(0) { $0 + $1.1 })
    }

    static func post(_ url: String, _ body: [String: String]) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func es256Token(key: JWSPrivateKey, kid: String, user: String, issuer: String) throws -> String {
        let exp = Int(Date().timeIntervalSince1970) + 86_400
        let header = base64URL(Array(#"{"alg":"ES256","kid":"\#(kid)","typ":"JWT"}"#.utf8))
        let payload = base64URL(Array(
            #"{"aud":"authenticated","exp":\#(exp),"iss":"\#(issuer)","role":"authenticated","sub":"\#(user)"}"#.utf8))
        return "\(header).\(payload)." + base64URL(try key.sign(Array("\(header).\(payload)".utf8)))
    }
}
