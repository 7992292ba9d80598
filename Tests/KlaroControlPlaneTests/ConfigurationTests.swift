import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroRedis
import KlaroTestSupport
import Testing

@Suite("Configuration")
struct ConfigurationTests {
    static let keyEntry = try! KeyRing.generateEntry(id: "k1")
    static let complete = [
        "KLARO_DATABASE_URL": "postgresql://klaro:db-pass-S3CRET@127.0.0.1:5432/klaro",
        "KLARO_REDIS_URL": "redis://127.0.0.1:6379/0",
        "KLARO_ADMIN_TOKEN": "admin-token-S3CRET-0123456789",
        "KLARO_JWT_SECRET": "jwt-secret-S3CRET-0123456789abcdef0123",
        "KLARO_CREDENTIAL_KEYS": keyEntry,
    ]

    @Test("a complete environment loads with defaults for the rest")
    func loadsDefaults() throws {
        let configuration = try KlaroConfiguration.load(environment: Self.complete, requiring: .everything)
        #expect(configuration.httpHost == "127.0.0.1")
        #expect(configuration.httpPort == 8080)
        #expect(configuration.sync.interval == 900)
        #expect(configuration.sync.staleAfter == 1800)
        #expect(configuration.sync.queueDepth == 2)
        #expect(configuration.sync.refillWindow == RefillOrder.defaultWindow)
        #expect(configuration.credentialKeys?.currentKeyID == "k1")
        #expect(configuration.redis.port == 6379)
    }

    @Test("the adaptive schedule: targets scale with the interval unless set, plans override, bad values are named")
    func syncPolicy() throws {
        var environment = Self.complete
        environment["KLARO_SYNC_INTERVAL"] = "60"
        var policy = try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.policy
        #expect(policy.targets == SyncTargets(moving: 20, quiet: 60, dormant: 240))
        #expect(policy.targetUtilisation == 0.8 && policy.maxStretch == SyncPolicy.defaultMaxStretch)
        let standard = try KlaroConfiguration.load(environment: Self.complete, requiring: .everything).sync.policy
        #expect(standard.targets == .standard)

        environment["KLARO_SYNC_TARGET_MOVING"] = "2m"
        environment["KLARO_SYNC_TARGET_DORMANT"] = "2h"
        environment["KLARO_SYNC_PLAN_TARGETS"] = "pro:moving=30"
        environment["KLARO_SYNC_TARGET_UTILISATION"] = "0.6"
        environment["KLARO_SYNC_MAX_STRETCH"] = "3"
        policy = try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.policy
        #expect(policy.targets == SyncTargets(moving: 120, quiet: 60, dormant: 7200))
        #expect(policy.target(.moving, plan: "pro") == 30 && policy.target(.dormant, plan: "pro") == 7200)
        #expect(policy.target(.moving, plan: "free") == 120)
        #expect(policy.targetUtilisation == 0.6 && policy.maxStretch == 3)

        environment["KLARO_SYNC_PLAN_TARGETS"] = "pro:fast=30"
        environment["KLARO_SYNC_TARGET_UTILISATION"] = "1.5"
        environment["KLARO_SYNC_MAX_STRETCH"] = "0.5"
        environment["KLARO_SYNC_TARGET_QUIET"] = "-1"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("bad policy values must be refused")
        } catch {
            #expect(Set(error.problems.map(\.key)) == [
                "KLARO_SYNC_PLAN_TARGETS", "KLARO_SYNC_TARGET_UTILISATION", "KLARO_SYNC_MAX_STRETCH", "KLARO_SYNC_TARGET_QUIET",
            ])
        }
    }

    @Test("work stealing: on after 120 s by default, another lateness or off by KLARO_DISPATCH_STEAL_AFTER_SECONDS")
    func stealAfter() throws {
        var environment = Self.complete
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.dispatchStealAfter == 120)
        environment["KLARO_DISPATCH_STEAL_AFTER_SECONDS"] = "90s"
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.dispatchStealAfter == 90)
        environment["KLARO_DISPATCH_STEAL_AFTER_SECONDS"] = "Off"
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.dispatchStealAfter == nil)
        environment["KLARO_DISPATCH_STEAL_AFTER_SECONDS"] = "soon"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("a lateness that is not a duration must be refused")
        } catch {
            #expect(error.problems.map(\.key) == ["KLARO_DISPATCH_STEAL_AFTER_SECONDS"])
        }
    }

    @Test("work stealing across hosts: after 150 s by default, another lateness or off by KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS")
    func stealAcrossHostsAfter() throws {
        var environment = Self.complete
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.dispatchStealAcrossHostsAfter == 150)
        environment["KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS"] = "10m"
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.dispatchStealAcrossHostsAfter == 600)
        environment["KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS"] = "off"
        let off = try KlaroConfiguration.load(environment: environment, requiring: .everything).sync
        #expect(off.dispatchStealAcrossHostsAfter == nil && off.dispatchStealAfter == 120)
        environment["KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS"] = "later"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("a lateness that is not a duration must be refused")
        } catch {
            #expect(error.problems.map(\.key) == ["KLARO_DISPATCH_STEAL_ACROSS_HOSTS_AFTER_SECONDS"])
        }
    }

    @Test("the refill window is a key of its own (seconds, 0.1 to 3600)")
    func refillWindow() throws {
        var environment = Self.complete
        environment["KLARO_REFILL_WINDOW_SECONDS"] = "2"
        #expect(try KlaroConfiguration.load(environment: environment, requiring: .everything).sync.refillWindow == 2)
        environment["KLARO_REFILL_WINDOW_SECONDS"] = "0"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("a window of 0 must be refused")
        } catch {
            #expect(error.problems.map(\.key) == ["KLARO_REFILL_WINDOW_SECONDS"])
        }
    }

    @Test("every missing variable is named, all at once")
    func missingValues() {
        do {
            _ = try KlaroConfiguration.load(environment: [:], requiring: .everything)
            Issue.record("an empty environment must be refused")
        } catch {
            let keys = Set(error.problems.map(\.key))
            #expect(keys == ["KLARO_DATABASE_URL", "KLARO_REDIS_URL", "KLARO_ADMIN_TOKEN", "KLARO_JWT_SECRET", "KLARO_CREDENTIAL_KEYS"])
            #expect(error.description.contains("KLARO_DATABASE_URL: is required"))
        }
        // migrate needs the database only.
        #expect(throws: Never.self) {
            try KlaroConfiguration.load(environment: ["KLARO_DATABASE_URL": "postgresql://h/db"], requiring: .database)
        }
    }

    @Test("malformed values are named without echoing any secret")
    func malformedValues() {
        var environment = Self.complete
        environment["KLARO_HTTP_ADDRESS"] = "nowhere"
        environment["KLARO_SYNC_INTERVAL"] = "soon"
        environment["KLARO_QUEUE_DEPTH"] = "0"
        environment["KLARO_LOG"] = "syslog"
        environment["KLARO_REDIS_URL"] = "redis://user:redis-pass-S3CRET@h:99999/0"
        environment["KLARO_ADMIN_TOKEN"] = "S3CRET"
        environment["KLARO_CREDENTIAL_KEYS"] = "k1=S3CRETnotbase64"
        environment["KLARO_DATABASE_URL"] = "mysql://u:db-pass-S3CRET@h/db"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("malformed values must be refused")
        } catch {
            let keys = Set(error.problems.map(\.key))
            #expect(keys == [
                "KLARO_HTTP_ADDRESS", "KLARO_SYNC_INTERVAL", "KLARO_QUEUE_DEPTH", "KLARO_LOG", "KLARO_REDIS_URL",
                "KLARO_ADMIN_TOKEN", "KLARO_CREDENTIAL_KEYS", "KLARO_DATABASE_URL",
            ])
            #expect(!error.description.contains("S3CRET"), "\(error)")
        }
    }

    @Test("durations take units, and a file is read with the environment winning")
    func fileAndUnits() throws {
        let path = NSTemporaryDirectory() + "klarod-\(UUID().uuidString).env"
        try """
        # klarod settings
        export KLARO_SYNC_INTERVAL=15m
        KLARO_JOB_DEADLINE="90s"
        KLARO_HTTP_ADDRESS='0.0.0.0:9000'
        KLARO_QUEUE_DEPTH=3
        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        var environment = Self.complete
        environment["KLARO_QUEUE_DEPTH"] = "4"
        let configuration = try KlaroConfiguration.load(environment: environment, file: path, requiring: .everything)
        #expect(configuration.sync.interval == 900)
        #expect(configuration.sync.jobDeadline == 90)
        #expect(configuration.httpHost == "0.0.0.0")
        #expect(configuration.httpPort == 9000)
        #expect(configuration.sync.queueDepth == 4)
    }

    @Test("a typo in the file is reported")
    func unknownKeyInFile() throws {
        let path = NSTemporaryDirectory() + "klarod-\(UUID().uuidString).env"
        try "KLARO_SYNC_INTERVALL=60\nnot a setting\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { unlink(path) }
        do {
            _ = try KlaroConfiguration.load(environment: Self.complete, file: path, requiring: .everything)
            Issue.record("unknown keys must be refused")
        } catch {
            #expect(error.description.contains("unknown setting KLARO_SYNC_INTERVALL"))
            #expect(error.description.contains("line 2: expected KEY=value"))
        }
    }

    @Test("klarod exits 78 naming the variable, and never prints a secret")
    func klarodExitCode() throws {
        let klarod = ServerProcess.productsDirectory + "/klarod"
        var environment = Self.complete
        environment["KLARO_REDIS_URL"] = "redis://u:redis-pass-S3CRET@h:99999/0"
        environment["KLARO_SYNC_INTERVAL"] = "-5"
        environment["PATH"] = "/usr/bin:/bin"
        let (status, output) = try ServerProcess.capture(klarod, ["serve"], environment: environment)
        #expect(status == 78)
        #expect(output.contains("KLARO_REDIS_URL"))
        #expect(output.contains("KLARO_SYNC_INTERVAL"))
        #expect(!output.contains("S3CRET"), "\(output)")

        let missing = try ServerProcess.capture(klarod, ["migrate"], environment: ["PATH": "/usr/bin:/bin"])
        #expect(missing.status == 78)
        #expect(missing.output.contains("KLARO_DATABASE_URL: is required"))
    }

    @Test("two `klarod migrate` processes at once both succeed and apply the schema once")
    func concurrentMigrateProcesses() async throws {
        try await withTestDatabase(migrated: false) { database in
            let klarod = ServerProcess.productsDirectory + "/klarod"
            let environment = ["KLARO_DATABASE_URL": database.url, "KLARO_LOG": "stderr", "PATH": "/usr/bin:/bin"]
            let results = try await withThrowingTaskGroup(of: (Int32, String).self) { group in
                for _ in 0..<2 {
                    group.addTask {
                        try await Task.detached { try ServerProcess.capture(klarod, ["migrate"], environment: environment) }.value
                    }
                }
                return try await group.reduce(into: [(Int32, String)]()) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.0 == 0 }, "\(results)")
            #expect(results.filter { $0.1.contains("applied 1_schema") }.count == 1)
            #expect(results.filter { $0.1.contains("up to date") }.count == 1)
            let status = try ServerProcess.capture(klarod, ["migrate", "--status"], environment: environment)
            #expect(status.status == 0)
            #expect(status.output.contains("0001     schema"))
            #expect(status.output.contains("applied"))
        }
    }
}
