import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport

/// Settings for fleet tests: a short sync interval so that accounts sync over and over, fast
/// ticks, and slots dead after `slotDeadAfter` seconds without a heartbeat.
func fleetSettings(interval: Double = 3, slotDeadAfter: Double = 2, deadline: Double = 30) -> SyncSettings {
    SyncSettings(
        interval: interval, queueDepth: 2, jobDeadline: deadline, lostGrace: 0.5, slotDeadAfter: slotDeadAfter,
        schedulerTick: 0.1, ingestBatch: 64, retry: RetryPolicy(base: 0.3, cap: 1, maxAttemptsPerInterval: 3)
    )
}

extension PipelineFixture {
    /// A request to `/admin` with the admin token (or `token`, or none with `token: ""`).
    func admin(
        _ method: String, _ path: String, json: [String: Any]? = nil, token: String? = nil, headers: [String: String] = [:]
    ) async throws -> TestHTTP.Reply {
        var all = headers
        let bearer = token ?? klarod.adminToken
        if !bearer.isEmpty { all["Authorization"] = "Bearer \(bearer)" }
        var body: Data?
        if let json {
            body = try JSONSerialization.data(withJSONObject: json)
            all["Content-Type"] = "application/json"
        }
        return try await TestHTTP.request(method, klarod.baseURL + path, headers: all, body: body)
    }

    /// `GET /admin/hosts/{host}` as JSON.
    func hostView(_ host: String) async throws -> [String: Any] {
        try await admin("GET", "/admin/hosts/\(host)").json()
    }

    /// Active accounts assigned to `host`.
    func assigned(to host: String) async throws -> [UUID] {
        try await pool.query(
            "SELECT account_id FROM account_schedule WHERE assigned_host = $1 AND status = 'active' ORDER BY account_id", [host]
        ).map { try $0.uuid(0) }
    }

    /// The database's clock, to compare with times it wrote.
    func databaseNow() async throws -> Date {
        try await pool.query("SELECT now()")[0].date(0)
    }
}

/// The `klaro` binary run as a child process, on its own thread (the cooperative pool is
/// klarod's): its exit status and output (stdout and stderr).
func runCLI(_ arguments: [String], environment: [String: String]) async throws -> (status: Int32, output: String) {
    let executable = ServerProcess.productsDirectory + "/klaro"
    return try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            do {
                let result = try ServerProcess.capture(executable, arguments, environment: environment)
                continuation.resume(returning: result)
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }
}

/// The environment the CLI needs to reach a test klarod.
func cliEnvironment(_ fixture: PipelineFixture, token: String? = nil) -> [String: String] {
    [
        "KLARO_URL": fixture.klarod.baseURL,
        "KLARO_ADMIN_TOKEN": token ?? fixture.klarod.adminToken,
        "USER": "tester",
        "HOME": NSTemporaryDirectory(),
        "PATH": "/usr/bin:/bin",
    ]
}

/// A healthy answer for `job`, given after `delay`.
func answer(_ job: JobMessage, after delay: Duration = .zero) -> ScriptedOutcome {
    guard case .ok(let account, let positions, let deals, _) = TestFleet.healthyAnswer(login: job.login, server: job.server) else {
        return .failure(outcome: "terminal_error", code: -1, message: "no healthy answer")
    }
    return .ok(account: account, positions: positions, deals: deals, delay: delay)
}
