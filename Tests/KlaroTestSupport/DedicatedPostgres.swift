import Foundation

/// A PostgreSQL server of a test's own, in a throwaway directory on a free loopback port,
/// that the test may stop and start again (e.g. to check reconnection).
public final class DedicatedPostgres: Sendable {
    public let port: Int
    public let directory: String
    private let bin: String

    /// The superuser URL of the `postgres` database.
    public var url: String { "postgresql://postgres@127.0.0.1:\(port)/postgres" }

    /// Creates a cluster and starts it.
    public init() throws {
        bin = try Self.binDirectory()
        directory = try ServerProcess.makeDirectory("pg")
        port = try ServerProcess.freePort()
        try ServerProcess.run("\(bin)/initdb", ["-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], asUser: "postgres")
        try start()
    }

    public func start() throws {
        try ServerProcess.run("\(bin)/pg_ctl", [
            "-D", "\(directory)/data", "-l", "\(directory)/log", "-w", "-t", "30",
            "-o", "-p \(port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            "start",
        ], asUser: "postgres")
    }

    /// Stops the server (fast shutdown: connections are closed by the server).
    public func stop() throws {
        try ServerProcess.run("\(bin)/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"], asUser: "postgres")
    }

    /// Stops the server and deletes its files.
    public func destroy() {
        _ = try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// `KLARO_TEST_PG_BIN`, else the newest `/usr/lib/postgresql/*/bin`.
    static func binDirectory() throws -> String {
        if let bin = ProcessInfo.processInfo.environment["KLARO_TEST_PG_BIN"] { return bin }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        guard let newest = versions.compactMap(Int.init).max() else {
            throw TestServerError.notFound("no PostgreSQL server binaries under \(root); run ops/test, which installs them")
        }
        return "\(root)/\(newest)/bin"
    }
}

/// A Redis server of a test's own, which the test may stop and start again.
public final class DedicatedRedis: Sendable {
    public let port: Int
    public let directory: String

    public var url: String { "redis://127.0.0.1:\(port)/0" }

    public init() throws {
        directory = try ServerProcess.makeDirectory("redis")
        port = try ServerProcess.freePort()
        try start()
    }

    public func start() throws {
        try ServerProcess.run("/usr/bin/redis-server", [
            "--port", String(port), "--bind", "127.0.0.1", "--dir", directory, "--daemonize", "yes",
            "--pidfile", "\(directory)/redis.pid", "--logfile", "\(directory)/redis.log",
            "--save", "", "--appendonly", "no", "--databases", "1024",
        ])
        try ServerProcess.waitForPort(port)
    }

    /// Stops the server at once (no save), like a crash.
    public func stop() throws {
        guard let text = try? String(contentsOfFile: "\(directory)/redis.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
        else { return }
        kill(pid, SIGKILL)
        for _ in 0..<100 where kill(pid, 0) == 0 { usleep(20_000) }
        try? FileManager.default.removeItem(atPath: "\(directory)/redis.pid")
    }

    public func destroy() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
