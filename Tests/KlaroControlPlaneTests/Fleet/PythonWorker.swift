import Foundation
import KlaroTestSupport

/// The real Python worker (`worker/`), one `klaro-worker slot` with the simulator backend, run
/// as a child process with a key of its own.
final class PythonWorker: Sendable {
    let pid: pid_t
    let logPath: String

    /// Whether the worker must be there: ops/test exports `KLARO_WORKER_PYTHON` (after
    /// installing the worker; empty if that failed), and then a test that needs the worker
    /// runs and fails without it instead of being skipped.
    static let required = ProcessInfo.processInfo.environment["KLARO_WORKER_PYTHON"] != nil

    /// A Python that imports `klaro_worker` and its dependencies, or nil. Under ops/test, the
    /// one it exported (nil when empty); otherwise the virtual environment ops/checks/worker.sh
    /// makes, the python3 on PATH, or the system's, if one of them imports the worker.
    static let python: String? = {
        let environment = ProcessInfo.processInfo.environment
        if let given = environment["KLARO_WORKER_PYTHON"] { return given.isEmpty ? nil : given }
        let home = environment["HOME"] ?? "/root"
        // The interpreter behind `python3` on PATH (a pyenv shim needs the caller's environment).
        let onPath = (try? ServerProcess.capture("/usr/bin/env", ["python3", "-c", "import sys; print(sys.executable)"]))
            .flatMap { $0.status == 0 ? $0.output.trimmingCharacters(in: .whitespacesAndNewlines) : nil }
        let candidates = [
            environment["KLARO_WORKER_VENV"].map { $0 + "/bin/python" },
            "\(home)/.cache/klaro/worker-venv/bin/python", onPath, "/usr/bin/python3",
        ].compactMap { $0 }
        return candidates.first { candidate in
            FileManager.default.isExecutableFile(atPath: candidate)
                && (try? ServerProcess.capture(candidate, ["-c", "import klaro_worker, redis, cryptography"],
                                               environment: PythonWorker.environment()))?.status == 0
        }
    }()

    static var workerDirectory: String { ACLRedis.repository.appendingPathComponent("worker").path }

    static func environment() -> [String: String] {
        ["PYTHONPATH": workerDirectory, "PATH": "/usr/bin:/bin", "HOME": NSTemporaryDirectory()]
    }

    static let fastScenario = #"{"seed": 1, "latency": {"initialize": 10, "login": 20, "call": 1}}"#

    /// Makes a key and starts slot 1 of `host`, simulating MT5 as `scenario` (JSON) says.
    init(python: String, host: String, redisURL: String, directory: String, scenario text: String = PythonWorker.fastScenario) throws {
        let keyFile = "\(directory)/\(host).key"
        let keygen = try ServerProcess.capture(python, ["-m", "klaro_worker", "keygen", "--out", keyFile], environment: Self.environment())
        guard keygen.status == 0 else { throw TestServerError.commandFailed("klaro-worker keygen: \(keygen.output)") }
        let scenario = "\(directory)/scenario.json"
        try Data(text.utf8).write(to: URL(fileURLWithPath: scenario))
        logPath = "\(directory)/\(host)-slot-1.log"
        let arguments = [
            python, "-m", "klaro_worker", "slot", "--host-id", host, "--slot", "1", "--slots-total", "1",
            "--terminal", "C:\\klaro\\slot-1\\terminal64.exe", "--redis", redisURL, "--key-file", keyFile, "--backend", "sim",
            "--sim-scenario", scenario, "--init-timeout-ms", "5000",
        ]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environ: [UnsafeMutablePointer<CChar>?] = Self.environment().map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { environ.forEach { free($0) } }
        var child: pid_t = 0
        let status = posix_spawn(&child, python, &actions, nil, argv, environ)
        guard status == 0 else { throw TestServerError.commandFailed("spawn klaro-worker: \(String(cString: strerror(status)))") }
        pid = child
        // ops/test kills leftover processes by their pid files.
        try String(child).write(toFile: "\(directory)/\(host)-worker.pid", atomically: true, encoding: .utf8)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Stops the slot (SIGTERM, then SIGKILL) and reaps it.
    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        for _ in 0..<100 {
            if waitpid(pid, &status, WNOHANG) == pid { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        waitpid(pid, &status, 0)
    }
}
