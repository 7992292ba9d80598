import Foundation
import KlaroCore
import KlaroCrypto
import KlaroRedis
import KlaroTelemetry
import Logging

/// klarod's settings, read once at start and validated with every problem listed.
public struct KlaroConfiguration: Sendable {
    /// What a command needs: `migrate` only the database, `serve` everything.
    public enum Requirement: Sendable {
        case database
        case everything
    }

    public var databaseURL: String
    public var databasePoolSize: Int
    public var redis: RedisConfiguration
    public var httpHost: String
    public var httpPort: Int
    public var adminToken: Secret
    public var credentialKeys: KeyRing?
    public var jwtSecret: Secret
    public var log: LogDestination
    public var logLevel: Logger.Level
    public var nodeName: String
    public var corsOrigins: [String]
    public var sync: SyncSettings
    /// Signing secret of the Stripe webhook endpoint (`whsec_…`); nil: billing is off.
    public var stripeWebhookSecret: Secret?
    /// Failed API authentications a client may make per minute (burst and refill); 0: no limit.
    public var authFailureLimit: Int
    /// Built-in sign-up and log-in, or a Supabase project's tokens (DESIGN §14).
    public var identity: IdentitySettings
    /// Proxies whose `X-Forwarded-For` names the client (``ClientAddress``).
    public var trustedProxies: [IPNetwork]
    /// Directory of the built web app (`KLARO_WEB_ROOT`; default: this checkout's `web/dist`).
    public var webRoot: String = KlaroConfiguration.checkoutWebRoot

    /// Reads and validates. Messages name the variable and the problem, never a value, since
    /// URLs and keys carry secrets.
    public static func load(
        environment: [String: String], file: String? = nil, requiring requirement: Requirement
    ) throws(ConfigurationError) -> KlaroConfiguration {
        let source = ConfigurationSource(environment: environment, file: file)
        var reader = ConfigurationReader(values: source.values, problems: source.problems)
        let everything = requirement == .everything
        typealias Key = ConfigurationKey

        let databaseURL = reader.string(Key.databaseURL, required: true) { url in
            url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") || url.contains("=")
                ? nil : "must be a libpq URL (postgresql://user@host:port/db) or keyword string"
        }
        let poolSize = reader.int(Key.databasePoolSize, default: 8, in: 1...200)

        var redis = RedisConfiguration()
        if let url = reader.string(Key.redisURL, required: everything) {
            do {
                redis = try RedisConfiguration(url: url)
            } catch {
                reader.problem(Key.redisURL, error.description.replacingOccurrences(of: "Redis URL ", with: ""))
            }
        }

        var host = "127.0.0.1", port = 8080
        if let address = reader.string(Key.httpAddress, required: false) {
            if let colon = address.lastIndex(of: ":"), let parsed = Int(address[address.index(after: colon)...]),
               (0...65535).contains(parsed), colon != address.startIndex {
                host = String(address[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                port = parsed
            } else {
                reader.problem(Key.httpAddress, "must be host:port, such as 127.0.0.1:8080")
            }
        }

        let adminToken = reader.secret(Key.adminToken, required: everything, minimumLength: 24)
        let supabaseURL = reader.string(Key.supabaseURL, required: false) { url in
            url.hasPrefix("https://") || url.hasPrefix("http://") ? nil : "must be the project's URL (https://<ref>.supabase.co)"
        }
        let supabaseJWKSFile = reader.string(Key.supabaseJWKSFile, required: false)
        if supabaseJWKSFile != nil, supabaseURL == nil { reader.problem(Key.supabaseJWKSFile, "needs KLARO_SUPABASE_URL") }
        // Built-in identity signs with it; a Supabase project may have none (asymmetric keys only).
        let jwtSecret = reader.secret(Key.jwtSecret, required: everything && supabaseURL == nil, minimumLength: 32)

        var keyRing: KeyRing?
        if let keys = reader.secret(Key.credentialKeys, required: everything, minimumLength: 1) {
            do {
                keyRing = try KeyRing.parse(keys.reveal)
            } catch {
                reader.problem(Key.credentialKeys, "\(error)")
            }
        }

        var log = LogDestination.auto
        do {
            log = try LogDestination(environment: reader.values)
        } catch {
            reader.problem(Key.log, "must be journald, stderr or auto")
        }
        var logLevel = Logger.Level.info
        if let level = reader.string(Key.logLevel, required: false) {
            if let parsed = Logger.Level(rawValue: level.lowercased()) { logLevel = parsed } else {
                reader.problem(Key.logLevel, "must be one of trace, debug, info, notice, warning, error, critical")
            }
        }

        let interval = reader.seconds(Key.syncInterval, default: 900, in: 10...86_400)
        let sync = SyncSettings(
            interval: interval,
            queueDepth: reader.int(Key.queueDepth, default: 2, in: 1...32),
            jobDeadline: reader.seconds(Key.jobDeadline, default: 180, in: 5...3600),
            refillWindow: reader.seconds(Key.refillWindow, default: RefillOrder.defaultWindow, in: 0.1...3600),
            dispatchStealAfter: reader.string(Key.dispatchStealAfter, required: false)?.lowercased() == "off"
                ? nil : reader.seconds(Key.dispatchStealAfter, default: WorkStealing.defaultLateness, in: 0...86_400),
            dispatchStealAcrossHostsAfter: reader.string(Key.dispatchStealAcrossHostsAfter, required: false)?.lowercased() == "off"
                ? nil
                : reader.seconds(Key.dispatchStealAcrossHostsAfter, default: WorkStealing.defaultAcrossHostsLateness, in: 0...86_400),
            lostGrace: reader.seconds(Key.lostGrace, default: 30, in: 0...3600),
            slotDeadAfter: reader.seconds(Key.slotDeadAfter, default: 20, in: 1...3600),
            staleAfter: reader.seconds(Key.staleAfter, default: 2 * interval, in: 1...(30 * 86_400)),
            heartbeatPersistInterval: reader.seconds(Key.heartbeatPersistInterval, default: 60, in: 1...3600),
            schedulerTick: reader.seconds(Key.schedulerTick, default: 1, in: 0.05...60),
            runRetentionDays: reader.int(Key.runRetentionDays, default: 30, in: 1...3650),
            snapshotRetentionDays: reader.int(Key.snapshotRetentionDays, default: 400, in: 1...36500),
            placementEpsilon: reader.double(Key.placementEpsilon, default: 0.25, in: 0...10),
            placementAffinity: reader.double(Key.placementAffinity, default: 0, in: 0...1000),
            placementLoginGain: reader.double(Key.placementLoginGain, default: 0.2, in: 0...0.9),
            placementLoadMovesPerHour: reader.int(
                Key.placementLoadMovesPerHour, default: Placement.defaultLoadMovesPerHour, in: 0...1_000_000),
            maxDealsPerResult: reader.int(Key.maxDeals, default: 20_000, in: 1...1_000_000),
            ingestBatch: reader.int(Key.ingestBatch, default: 256, in: 1...10_000),
            ingestWorkers: reader.int(Key.ingestWorkers, default: 2, in: 1...64),
            retry: RetryPolicy(
                base: reader.seconds(Key.retryBase, default: 20, in: 0...3600),
                cap: reader.seconds(Key.retryCap, default: 300, in: 0...86_400),
                maxAttemptsPerInterval: reader.int(Key.retryAttempts, default: 3, in: 1...20)
            ),
            policy: Self.syncPolicy(&reader, interval: interval)
        )
        let corsOrigins = (reader.string(Key.corsOrigins, required: false) ?? "")
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let nodeName = reader.string(Key.nodeName, required: false) ?? ProcessInfo.processInfo.hostName
        let stripeWebhookSecret = reader.secret(Key.stripeWebhookSecret, required: false, minimumLength: 16)
        let authFailureLimit = reader.int(Key.authFailureLimit, default: 20, in: 0...100_000)
        let publicURL = reader.string(Key.publicURL, required: false) { url in
            url.hasPrefix("https://") || url.hasPrefix("http://") ? nil : "must be an http(s) URL such as https://klaro.example.com"
        }
        let identity = IdentitySettings(
            mode: supabaseURL.map { .supabase(url: Self.trimmedURL($0), jwksFile: supabaseJWKSFile) } ?? .builtIn,
            publicURL: Self.trimmedURL(publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"),
            accessTokenLifetime: reader.seconds(Key.accessTokenLifetime, default: 3600, in: 60...86_400),
            sessionIdleTimeout: reader.seconds(Key.sessionIdleTimeout, default: 30 * 86_400, in: 300...(365 * 86_400)),
            clientRateLimit: reader.int(Key.authRateLimit, default: 30, in: 0...100_000),
            emailRateLimit: reader.int(Key.authEmailRateLimit, default: 10, in: 0...100_000)
        )
        let proxies = IPNetwork.parseList(reader.string(Key.trustedProxies, required: false) ?? "")
        if !proxies.invalid.isEmpty {
            reader.problem(Key.trustedProxies, "must be addresses or CIDR ranges separated by commas (not: \(proxies.invalid.prefix(3).joined(separator: ", ")))")
        }

        guard reader.problems.isEmpty else { throw ConfigurationError(problems: reader.problems) }
        return KlaroConfiguration(
            databaseURL: databaseURL ?? "",
            databasePoolSize: poolSize,
            redis: redis,
            httpHost: host,
            httpPort: port,
            adminToken: adminToken ?? Secret(""),
            credentialKeys: keyRing,
            jwtSecret: jwtSecret ?? Secret(""),
            log: log,
            logLevel: logLevel,
            nodeName: nodeName,
            corsOrigins: corsOrigins,
            sync: sync,
            stripeWebhookSecret: stripeWebhookSecret,
            authFailureLimit: authFailureLimit,
            identity: identity,
            trustedProxies: proxies.networks,
            webRoot: reader.string(Key.webRoot, required: false) ?? checkoutWebRoot
        )
    }

    private static func trimmedURL(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }
}

extension KlaroConfiguration {
    /// The adaptive schedule (docs/scheduling.md). The targets scale with `KLARO_SYNC_INTERVAL`
    /// (quiet = it, moving = a third, dormant = 4×: 5, 15 and 60 minutes by default), so a test
    /// that shortens the interval shortens them all; each may be set on its own.
    static func syncPolicy(_ reader: inout ConfigurationReader, interval: Double) -> SyncPolicy {
        typealias Key = ConfigurationKey
        let targets = SyncTargets(
            moving: reader.seconds(Key.syncTargetMoving, default: interval / 3, in: 1...86_400),
            quiet: reader.seconds(Key.syncTargetQuiet, default: interval, in: 1...86_400),
            dormant: reader.seconds(Key.syncTargetDormant, default: 4 * interval, in: 1...(7 * 86_400))
        )
        var plans: [String: SyncTargets] = [:]
        if let text = reader.string(Key.syncPlanTargets, required: false) {
            do { plans = try SyncTargets.parsePlans(text, base: targets) } catch {
                reader.problem(Key.syncPlanTargets, "\(error) (e.g. pro:moving=120,quiet=600;max:moving=60)")
            }
        }
        let utilisation = reader.double(Key.syncTargetUtilisation, default: SyncPolicy.defaultUtilisation, in: 0.01...1)
        let stretch = reader.double(Key.syncMaxStretch, default: SyncPolicy.defaultMaxStretch, in: 1...100)
        do {
            return try SyncPolicy(targets: targets, planTargets: plans, targetUtilisation: utilisation, maxStretch: stretch)
        } catch {
            // The ranges above keep every value valid; a refusal here is a plan's target.
            reader.problem(Key.syncPlanTargets, "\(error)")
            return .standard
        }
    }
}

/// Timings and sizes of the sync pipeline (DESIGN §3, §9).
public struct SyncSettings: Sendable, Equatable {
    /// Seconds between syncs of one account.
    public var interval: Double
    /// Jobs queued per slot at most.
    public var queueDepth: Int
    /// Seconds from dispatch until a job is given up.
    public var jobDeadline: Double
    /// Seconds of the clock whose due jobs dispatch takes longest first (`RefillOrder.dispatch`).
    public var refillWindow: Double
    /// Work stealing (``WorkStealing``): how late (s) a busy slot's due job must be before an
    /// idle slot of its host takes it; nil turns it off (`off`).
    public var dispatchStealAfter: Double?
    /// Work stealing's second tier: how late (s) a job must be before spare room on another
    /// host takes it (``WorkStealing/defaultAcrossHostsLateness``); nil turns it off (`off`), and
    /// so does turning stealing off.
    public var dispatchStealAcrossHostsAfter: Double?
    /// Extra seconds after the deadline before the rescuer declares a job lost.
    public var lostGrace: Double
    /// Seconds without a heartbeat before a slot is dead.
    public var slotDeadAfter: Double
    /// Seconds since the last success after which an account is stale.
    public var staleAfter: Double
    /// Seconds between writes of slots' last heartbeat times; liveness itself is in memory.
    public var heartbeatPersistInterval: Double
    /// Seconds between scheduler ticks.
    public var schedulerTick: Double
    public var runRetentionDays: Int
    public var snapshotRetentionDays: Int
    public var placementEpsilon: Double
    /// Broker affinity α (``PlacementOptions/affinityWeight``): 0 turns it off.
    public var placementAffinity: Double
    /// Login affinity (``PlacementOptions/loginGain``): how much faster a slot's measured login
    /// to an account's server must be for placement to prefer it; 0 turns it off.
    public var placementLoginGain: Double
    /// Load relief (issue 13): moves an hour at most off slots whose load drifted past their
    /// bound (``Placement/relieve(slots:accounts:options:maxMoves:)``); 0 turns it off.
    public var placementLoadMovesPerHour: Int
    public var maxDealsPerResult: Int
    public var ingestBatch: Int
    /// Ingest consumers in this replica: one decodes while another waits for PostgreSQL.
    public var ingestWorkers: Int
    /// Backoff and attempts per interval for retryable failures (DESIGN §9).
    public var retry: RetryPolicy
    /// Per-class target intervals and how they stretch under load (issue 13).
    public var policy: SyncPolicy

    public init(
        interval: Double = 900, queueDepth: Int = 2, jobDeadline: Double = 180,
        refillWindow: Double = RefillOrder.defaultWindow, dispatchStealAfter: Double? = WorkStealing.defaultLateness,
        dispatchStealAcrossHostsAfter: Double? = WorkStealing.defaultAcrossHostsLateness, lostGrace: Double = 30,
        slotDeadAfter: Double = 20, staleAfter: Double? = nil, heartbeatPersistInterval: Double = 60, schedulerTick: Double = 1, runRetentionDays: Int = 30,
        snapshotRetentionDays: Int = 400, placementEpsilon: Double = 0.25, placementAffinity: Double = 0,
        placementLoginGain: Double = 0.2, placementLoadMovesPerHour: Int = Placement.defaultLoadMovesPerHour,
        maxDealsPerResult: Int = 20_000, ingestBatch: Int = 256, ingestWorkers: Int = 2, retry: RetryPolicy = .standard,
        policy: SyncPolicy? = nil
    ) {
        self.interval = interval
        self.queueDepth = queueDepth
        self.jobDeadline = jobDeadline
        self.refillWindow = refillWindow
        self.dispatchStealAfter = dispatchStealAfter
        self.dispatchStealAcrossHostsAfter = dispatchStealAcrossHostsAfter
        self.lostGrace = lostGrace
        self.slotDeadAfter = slotDeadAfter
        self.staleAfter = staleAfter ?? 2 * interval
        self.heartbeatPersistInterval = heartbeatPersistInterval
        self.schedulerTick = schedulerTick
        self.runRetentionDays = runRetentionDays
        self.snapshotRetentionDays = snapshotRetentionDays
        self.placementEpsilon = placementEpsilon
        self.placementAffinity = placementAffinity
        self.placementLoginGain = placementLoginGain
        self.placementLoadMovesPerHour = placementLoadMovesPerHour
        self.maxDealsPerResult = maxDealsPerResult
        self.ingestBatch = ingestBatch
        self.ingestWorkers = ingestWorkers
        self.retry = retry
        // Without a policy of its own, the targets scale with the interval, as configured.
        self.policy = policy ?? (try? SyncPolicy(
            targets: SyncTargets(moving: interval / 3, quiet: interval, dormant: 4 * interval))) ?? .standard
    }
}

/// Reads typed values and collects problems instead of stopping at the first.
struct ConfigurationReader {
    let values: [String: String]
    var problems: [ConfigurationProblem]

    mutating func problem(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(key: key, message: message))
    }

    mutating func string(_ key: String, required: Bool, check: (String) -> String? = { _ in nil }) -> String? {
        guard let value = values[key]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
            if required { problem(key, "is required") }
            return nil
        }
        if let message = check(value) {
            problem(key, message)
            return nil
        }
        return value
    }

    mutating func secret(_ key: String, required: Bool, minimumLength: Int) -> Secret? {
        guard let value = string(key, required: required) else { return nil }
        guard value.utf8.count >= minimumLength else {
            problem(key, "is too short: use at least \(minimumLength) characters (e.g. `openssl rand -base64 32`)")
            return nil
        }
        return Secret(value)
    }

    mutating func int(_ key: String, default value: Int, in range: ClosedRange<Int>) -> Int {
        guard let text = string(key, required: false) else { return value }
        guard let parsed = Int(text), range.contains(parsed) else {
            problem(key, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return value
        }
        return parsed
    }

    mutating func double(_ key: String, default value: Double, in range: ClosedRange<Double>) -> Double {
        guard let text = string(key, required: false) else { return value }
        guard let parsed = Double(text), parsed.isFinite, range.contains(parsed) else {
            problem(key, "must be a number from \(range.lowerBound) to \(range.upperBound)")
            return value
        }
        return parsed
    }

    /// Seconds, written as a number (`900`) or with a unit (`250ms`, `30s`, `15m`, `1h`).
    mutating func seconds(_ key: String, default value: Double, in range: ClosedRange<Double>) -> Double {
        guard let text = string(key, required: false) else { return value }
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        var number = text
        var scale = 1.0
        for (suffix, factor) in units where text.hasSuffix(suffix) {
            number = String(text.dropLast(suffix.count))
            scale = factor
            break
        }
        guard let parsed = Double(number).map({ $0 * scale }), parsed.isFinite, range.contains(parsed) else {
            problem(key, "must be a duration in seconds from \(range.lowerBound) to \(range.upperBound) (e.g. 900 or 15m)")
            return value
        }
        return parsed
    }
}

extension KlaroConfiguration {
    /// `web/dist` of the checkout klarod was built from (ops/web build writes it there).
    static let checkoutWebRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }  // Configuration, KlaroControlPlane, Sources, checkout
        return url.appendingPathComponent("web/dist").path
    }()
}
