import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport

/// Fast settings for pipeline tests: a tick every 100 ms, short backoff, short deadlines.
func fastSettings(deadline: Double = 10, slotDeadAfter: Double = 3) -> SyncSettings {
    SyncSettings(
        interval: 900, queueDepth: 2, jobDeadline: deadline, lostGrace: 0.5, slotDeadAfter: slotDeadAfter,
        schedulerTick: 0.1, ingestBatch: 64, retry: RetryPolicy(base: 0.3, cap: 1, maxAttemptsPerInterval: 3)
    )
}

/// A klarod, its database and Redis, and helpers to look inside.
struct PipelineFixture {
    let database: TestDatabase
    let redisURL: String
    let klarod: RunningControlPlane
    let pool: PostgresPool

    var vault: CredentialVault { CredentialVault(keyRing: klarod.controlPlane.configuration.credentialKeys!) }

    static func start(_ database: TestDatabase, settings: SyncSettings = fastSettings()) async throws -> PipelineFixture {
        let redisURL = try await TestRedis.url()
        let klarod = try await RunningControlPlane(
            configuration: try RunningControlPlane.configuration(databaseURL: database.url, redisURL: redisURL, sync: settings)
        )
        return PipelineFixture(database: database, redisURL: redisURL, klarod: klarod, pool: database.pool())
    }

    func stop() async {
        await klarod.stop()
        await pool.close()
    }

    func count(_ sql: String, _ parameters: [any PostgresBindable] = []) async throws -> Int {
        try await pool.query(sql, parameters)[0].int(0)
    }

    /// `klaro_syncs_total` (fleet-wide) by outcome, from `/metrics`.
    func syncCounters() async throws -> [String: Int] {
        let text = try await TestHTTP.get(klarod.baseURL + "/metrics").text
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("klaro_syncs_total{") {
            guard let outcomeRange = line.range(of: "outcome=\""),
                  let end = line[outcomeRange.upperBound...].firstIndex(of: "\""),
                  let value = line.split(separator: " ").last.flatMap({ Double($0) })
            else { continue }
            counts[String(line[outcomeRange.upperBound..<end]), default: 0] += Int(value)
        }
        return counts.filter { $0.value > 0 }
    }

    /// A counter or gauge value from `/metrics` (first series whose line starts with `prefix`).
    func metric(_ prefix: String) async throws -> Double? {
        let text = try await TestHTTP.get(klarod.baseURL + "/metrics").text
        return text.split(separator: "\n").first { $0.hasPrefix(prefix + " ") }.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }
    }
}

/// Test worker hosts named `h1`, `h2`, … with the same script.
func startHosts(_ count: Int, slots: Int, redisURL: String, script: @escaping TestWorkerHost.Script) async throws -> [TestWorkerHost] {
    var hosts: [TestWorkerHost] = []
    for index in 1...count {
        let host = try TestWorkerHost(host: "h\(index)", slots: slots, redisURL: redisURL, script: script)
        try await host.start()
        hosts.append(host)
    }
    return hosts
}
