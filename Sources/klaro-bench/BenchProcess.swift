import Foundation
import KlaroCrypto

/// A child process (klarod, wrk) with its output in a temporary file.
final class BenchProcess: @unchecked Sendable {
    private let process: Process
    let outputPath: String
    var pid: Int32 { process.processIdentifier }

    private init(process: Process, outputPath: String) {
        self.process = process
        self.outputPath = outputPath
    }

    static func start(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> BenchProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let path = NSTemporaryDirectory() + "klaro-bench-\(UUID().uuidString).log"
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return BenchProcess(process: process, outputPath: path)
    }

    /// Runs a program to its end and returns its exit status and output.
    static func run(_ executable: String, _ arguments: [String]) async throws -> (status: Int32, output: String) {
        let child = try start(executable, arguments)
        await child.wait()
        let output = (try? String(contentsOfFile: child.outputPath, encoding: .utf8)) ?? ""
        try? FileManager.default.removeItem(atPath: child.outputPath)
        return (child.process.terminationStatus, output)
    }

    /// Waits for the process to exit, off the cooperative pool.
    func wait() async {
        let process = self.process
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread.detachNewThread {
                process.waitUntilExit()
                continuation.resume()
            }
        }
    }

    /// SIGTERM, then waits.
    func stop() async {
        if process.isRunning { process.terminate() }
        await wait()
        try? FileManager.default.removeItem(atPath: outputPath)
    }

    /// The `klarod` built next to this binary.
    static var klarodPath: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("klarod").path
    }

    /// The environment of a benchmark's klarod: this process's, without its `KLARO_*`
    /// settings, plus fresh secrets, the given servers, and warnings-only logs to stderr.
    static func klarodEnvironment(databaseURL: String, redisURL: String, port: Int, jwtSecret: String) throws -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KLARO_") }
        environment["KLARO_DATABASE_URL"] = databaseURL
        environment["KLARO_REDIS_URL"] = redisURL
        environment["KLARO_HTTP_ADDRESS"] = "127.0.0.1:\(port)"
        environment["KLARO_PUBLIC_URL"] = "http://127.0.0.1:\(port)"
        environment["KLARO_ADMIN_TOKEN"] = APIBench.hex(count: 24)
        environment["KLARO_JWT_SECRET"] = jwtSecret
        environment["KLARO_CREDENTIAL_KEYS"] = try KeyRing.generateEntry(id: "bench")
        environment["KLARO_LOG"] = "stderr"
        environment["KLARO_LOG_LEVEL"] = "warning"
        return environment
    }

    /// Finds an executable on PATH.
    static func which(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
