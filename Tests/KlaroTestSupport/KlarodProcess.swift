import Foundation
import KlaroCrypto

/// The real `klarod` binary run as a child process, for tests that kill it.
public final class KlarodProcess: Sendable {
    public let pid: pid_t
    public let port: Int
    public let logPath: String
    public let environment: [String: String]

    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Settings every test process shares; `overrides` win.
    public static func environment(databaseURL: String, redisURL: String, keys: String, overrides: [String: String] = [:]) -> [String: String] {
        var environment = [
            "KLARO_DATABASE_URL": databaseURL,
            "KLARO_REDIS_URL": redisURL,
            "KLARO_ADMIN_TOKEN": "test-admin-token-0123456789abcdef",
            "KLARO_JWT_SECRET": "test-jwt-secret-0123456789abcdef0123456789",
            "KLARO_CREDENTIAL_KEYS": keys,
            "KLARO_LOG": "stderr",
            "KLARO_SCHEDULER_TICK": "0.1",
            "KLARO_RETRY_BASE": "0.3",
            "KLARO_RETRY_CAP": "1",
            "KLARO_LOST_GRACE": "0.5",
            "KLARO_SLOT_DEAD_AFTER": "3",
            "PATH": "/usr/bin:/bin",
        ]
        for (key, value) in overrides { environment[key] = value }
        return environment
    }

    /// Starts `klarod serve` on a free port with `environment`.
    public init(environment: [String: String], name: String = "klarod") throws {
        port = try ServerProcess.freePort()
        var environment = environment
        environment["KLARO_HTTP_ADDRESS"] = "127.0.0.1:\(port)"
        environment["KLARO_NODE_NAME"] = environment["KLARO_NODE_NAME"] ?? "\(name)-\(port)"
        self.environment = environment
        logPath = try ServerProcess.makeDirectory("klarod") + "/\(name).log"
        let executable = ServerProcess.productsDirectory + "/klarod"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let arguments: [UnsafeMutablePointer<CChar>?] = [strdup(executable), strdup("serve"), nil]
        defer { arguments.forEach { free($0) } }
        let environ: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environ.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, executable, &actions, nil, arguments, environ)
        guard status == 0 else { throw TestServerError.commandFailed("spawn klarod: \(String(cString: strerror(status)))") }
        pid = child
    }

    /// Waits until `/healthz` answers.
    public func waitUntilListening(timeout: Duration = .seconds(30)) async throws {
        let url = baseURL + "/healthz"
        let up = await TestHTTP.eventually(timeout: timeout) { try await TestHTTP.get(url).status == 200 }
        guard up else { throw TestServerError.timeout("klarod did not listen; log:\n\(log)") }
    }

    /// Sends a signal (SIGKILL by default) and reaps the process.
    public func kill(_ signal: Int32 = SIGKILL) {
        Glibc.kill(pid, signal)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Everything the process wrote so far.
    public var log: String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}
