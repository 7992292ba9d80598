import ArgumentParser
import Foundation
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import Logging
import Synchronization

/// `klaro-bench soak`: the leader's steady-state cost (issue 16). Starts the `klarod` built
/// next to this binary against a fresh database, imports accounts, runs a fake fleet that
/// registers and heartbeats as docs/protocol.md §4–§5 say (nobody consumes jobs), and samples
/// every 30 s through three phases: no host approved, fleet up (approved), fleet gone (no more
/// heartbeats). Prints one summary line per phase.
struct SoakBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "soak", abstract: "klarod's CPU, RSS, WAL, row writes, /metrics and log volume with a quiet fleet.")

    @OptionGroup var servers: BenchServers

    @Option(help: "Accounts to import.")
    var accounts = 100_000

    @Option(help: "Worker hosts of the fake fleet (4 slots each).")
    var hosts = 250

    @Option(help: "Multiplies the phase lengths (2, 5 and 2 minutes).")
    var minutesScale = 1.0

    @Option(help: "Seconds between samples.")
    var sampleEvery = 30.0

    @Flag(help: "Split each phase's WAL by relation with pg_walinspect (its reads add to PostgreSQL's CPU).")
    var walByRelation = false

    @Flag(help: "Print klarod's RSS at every sample (does it grow with time or level off?).")
    var samples = false

    @Option(help: "PostgreSQL settings to apply first (`name = value` lines, as ops/postgresql/klaro.conf, the settings Klaro ships for production); 'none': PostgreSQL's defaults.")
    var postgresSettings = "ops/postgresql/klaro.conf"

    @Option(help: "Sets PostgreSQL's wal_compression (off, pglz, lz4, zstd) after --postgres-settings.")
    var walCompression: String?

    @Flag(help: "A CHECKPOINT just before the fleet goes: the worst case, where recording each lost job is the first write to its pages since a checkpoint.")
    var checkpointBeforeLoss = false

    mutating func validate() throws {
        guard accounts >= 0, hosts >= 1, minutesScale > 0, sampleEvery >= 1 else {
            throw ValidationError("accounts ≥ 0, hosts ≥ 1, --minutes-scale > 0, --sample-every ≥ 1")
        }
    }

    func run() async throws {
        let (adminURL, redisURL) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let pool = PostgresPool(configuration: .init(url: database.url, size: 2, statementTimeout: 0), logger: logger)
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: logger)
        try await redis.command(["FLUSHDB"])
        let credentialKeys = try KeyRing.generateEntry(id: "bench")
        let vault = CredentialVault(keyRing: try KeyRing.parse(credentialKeys))
        var settings = postgresSettings == "none" ? [] : try Self.settings(file: postgresSettings)
        if let walCompression { settings.append(("wal_compression", walCompression)) }
        for (name, value) in settings {
            // ALTER SYSTEM takes no parameters: names and values are checked to be plain words
            // (`Self.settings`), and PostgreSQL's own parser checks the value.
            try await pool.execute("ALTER SYSTEM SET \(name) = '\(value)'")
        }
        if !settings.isEmpty { try await pool.execute("SELECT pg_reload_conf()") }
        print("soak: importing \(accounts) accounts …")
        _ = try await BenchFleet.createAccounts(pool, vault: vault, count: accounts, hosts: [], slotsPerHost: 4)

        let port = try APIBench.freePort()
        let base = "http://127.0.0.1:\(port)"
        let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("klarod").path
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KLARO_") }
        env["KLARO_DATABASE_URL"] = database.url
        env["KLARO_REDIS_URL"] = redisURL
        env["KLARO_HTTP_ADDRESS"] = "127.0.0.1:\(port)"
        env["KLARO_ADMIN_TOKEN"] = APIBench.hex(count: 24)
        env["KLARO_JWT_SECRET"] = APIBench.hex(count: 32)
        env["KLARO_CREDENTIAL_KEYS"] = credentialKeys
        env["KLARO_LOG"] = "stderr"
        env["KLARO_LOG_LEVEL"] = "info"
        env["KLARO_PUBLIC_URL"] = base
        let klarod = try BenchProcess.start(binary, ["serve"], environment: env)
        let fleet = FakeFleet(hosts: hosts, redis: redis)
        do {
            try await APIBench.waitForHealth(base)
            var probe = SoakProbe(
                pool: pool, klarodPID: klarod.pid, metricsURL: base + "/metrics", logPath: klarod.outputPath,
                postmasterPID: try await Self.postmasterPID(pool))
            probe.walByRelation = walByRelation ? await SoakWrites(pool: pool).enableWALInspection() : false
            probe.printSamples = samples
            print("postgres: " + (try await Self.walSettings(pool)))
            let heartbeats = Task { await fleet.run() }
            let phases: [(String, Double, @Sendable () async throws -> Void)] = [
                ("no-host", 2, {}),
                ("fleet-up", 5, { try await pool.execute("UPDATE worker_hosts SET admin_state = 'active', approved_key = public_key") }),
                ("fleet-gone", 2, { [checkpointBeforeLoss] in
                    if checkpointBeforeLoss { try await pool.execute("CHECKPOINT") }
                    await fleet.stop()
                }),
            ]
            for (name, minutes, start) in phases {
                try await start()
                let summary = try await probe.phase(seconds: minutes * 60 * minutesScale, every: sampleEvery)
                print("phase \(name): \(summary)")
            }
            heartbeats.cancel()
        } catch {
            await klarod.stop()
            await pool.close()
            await database.drop(logger: logger)
            throw error
        }
        await klarod.stop()
        await pool.close()
        await database.drop(logger: logger)
    }

    /// The `name = value` lines of a PostgreSQL configuration file (comments and blank lines
    /// skipped; a value may be quoted); refuses anything but plain words, so they can be spliced
    /// into ALTER SYSTEM.
    static func settings(file path: String) throws -> [(String, String)] {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ValidationError("--postgres-settings: cannot read \(path) (run from the repository's root, or pass 'none')")
        }
        let word = /[A-Za-z0-9_.]+/
        return try text.split(separator: "\n").compactMap { raw -> (String, String)? in
            let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0].trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return nil }
            let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            let value = parts.count == 2 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "'")) : ""
            guard parts.count == 2, parts[0].wholeMatch(of: word) != nil, value.wholeMatch(of: word) != nil else {
                throw ValidationError("--postgres-settings: \(path): not a plain `name = value` line: \(line)")
            }
            return (parts[0], value)
        }
    }

    /// The settings that decide the WAL volume, printed with the figures.
    static func walSettings(_ pool: PostgresPool) async throws -> String {
        let rows = try await pool.query("""
            SELECT name || '=' || setting || coalesce(unit, '') FROM pg_settings
            WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes', 'wal_compression', 'checkpoint_timeout',
                           'max_wal_size', 'wal_level')
            ORDER BY name
            """)
        return try rows.map { try $0.string(0) }.joined(separator: " ")
    }

    /// The PostgreSQL server's main process (from `postmaster.pid` in its data directory).
    static func postmasterPID(_ pool: PostgresPool) async throws -> Int32 {
        let directory = try await pool.query("SHOW data_directory")[0].string(0)
        let text = try String(contentsOfFile: directory + "/postmaster.pid", encoding: .utf8)
        return Int32(text.split(separator: "\n").first.map(String.init) ?? "") ?? 0
    }
}

/// A fleet of `hosts` hosts × 4 slots that registers once and heartbeats every 5 s, exactly
/// as docs/protocol.md §4–§5 say; it consumes no jobs.
final class FakeFleet: Sendable {
    let hosts: Int
    let redis: RedisClient
    private let stopped = Mutex(false)

    init(hosts: Int, redis: RedisClient) {
        self.hosts = hosts
        self.redis = redis
    }

    func stop() async { stopped.withLock { $0 = true } }

    func run() async {
        let started = Int64(Date().timeIntervalSince1970 * 1000)
        let names = (0..<hosts).map { String(format: "soak-%04d", $0) }
        var registrations: [[String]] = []
        for name in names {
            guard let key = try? X25519KeyPair.generate().publicKeyBase64 else { continue }
            let registration = HostRegistration(host: name, slots: 4, publicKey: key, version: "soak 1", startedAt: started)
            let json = String(decoding: (try? JSONEncoder().encode(registration)) ?? Data(), as: UTF8.self)
            registrations.append(["SET", ProtocolKeys.host(name), json])
        }
        _ = try? await redis.pipeline(registrations)
        while !Task.isCancelled && !stopped.withLock({ $0 }) {
            let ts = Int64(Date().timeIntervalSince1970 * 1000)
            var commands: [[String]] = []
            for (index, name) in names.enumerated() {
                for slot in 1...4 {
                    let heartbeat = Heartbeat(
                        host: name, slot: slot, state: .idle, jobID: nil, terminalBuild: 5200, terminalConnected: true, ts: ts,
                        pid: 10_000 + index * 4 + slot, restarts: 0)
                    let json = String(decoding: (try? JSONEncoder().encode(heartbeat)) ?? Data(), as: UTF8.self)
                    commands.append(["SET", ProtocolKeys.heartbeat(name, slot), json, "EX", "15"])
                }
            }
            _ = try? await redis.pipeline(commands)
            try? await Task.sleep(for: .seconds(5))
        }
    }
}
