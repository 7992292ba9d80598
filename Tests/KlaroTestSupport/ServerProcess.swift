import Foundation

/// Runs helper programs (initdb, pg_ctl, redis-server) for tests.
public enum ServerProcess {
    /// Runs a program to completion and returns its output; throws if it exits non-zero.
    ///
    /// Uses posix_spawn and waitpid directly: Foundation's `Process.waitUntilExit` can hang
    /// when called from Swift concurrency's threads.
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], asUser user: String? = nil) throws -> String {
        let (status, text) = try capture(executable, arguments, asUser: user)
        guard status == 0 else {
            throw TestServerError.commandFailed("\(executable) \(arguments.joined(separator: " ")) exited \(status): \(text)")
        }
        return text
    }

    /// Runs a program to completion; returns its exit status and its output (stdout and
    /// stderr together). `environment` replaces the process environment when given.
    public static func capture(
        _ executable: String, _ arguments: [String], asUser user: String? = nil, environment: [String: String]? = nil
    ) throws -> (status: Int32, output: String) {
        var argv = [executable] + arguments
        if let user, getuid() == 0 { argv = ["/usr/sbin/runuser", "-u", user, "--"] + argv }
        let outputPath = NSTemporaryDirectory() + "klaro-spawn-\(UUID().uuidString)"
        defer { unlink(outputPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var pid: pid_t = 0
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        let cEnvironment = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { cEnvironment?.forEach { free($0) } }
        let spawned = cEnvironment.map { env in
            posix_spawn(&pid, argv[0], &actions, nil, cArguments, env)
        } ?? posix_spawn(&pid, argv[0], &actions, nil, cArguments, environ)
        guard spawned == 0 else {
            throw TestServerError.commandFailed("\(argv[0]): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        let exitCode = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return (exitCode, text)
    }

    /// The directory holding the built products (klarod, klaro) next to the test binary.
    public static var productsDirectory: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    /// A TCP port on 127.0.0.1 that was free a moment ago.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestServerError.commandFailed("socket()") }
        defer { Glibc.close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { throw TestServerError.commandFailed("bind()") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// A new directory for a test server, under `KLARO_TEST_TMP` when ops/test set it.
    public static func makeDirectory(_ prefix: String) throws -> String {
        let base = ProcessInfo.processInfo.environment["KLARO_TEST_TMP"] ?? NSTemporaryDirectory()
        let path = (base as NSString).appendingPathComponent("\(prefix)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        // PostgreSQL runs as the unprivileged postgres user when tests run as root.
        chmod(path, 0o777)
        return path
    }

    /// Waits until something accepts TCP connections on the port.
    public static func waitForPort(_ port: Int, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            Glibc.close(fd)
            if connected == 0 { return }
            usleep(50_000)
        }
        throw TestServerError.timeout("nothing listens on 127.0.0.1:\(port)")
    }
}

public enum TestServerError: Error, CustomStringConvertible {
    case commandFailed(String)
    case timeout(String)
    case notFound(String)

    public var description: String {
        switch self {
        case .commandFailed(let message), .timeout(let message), .notFound(let message): message
        }
    }
}
