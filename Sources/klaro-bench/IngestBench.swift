import ArgumentParser
import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroRedis
import KlaroTelemetry
import Synchronization

/// `klaro-bench ingest`: results per second from `klaro:results` into PostgreSQL, end to end
/// through the real ``Ingestor`` (read, validate, one transaction per batch, XACK). Each result
/// carries a snapshot, 5 positions and 3 new deals, as in the issue.
struct IngestBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ingest",
        abstract: "Measure ingest throughput (results/s) from Redis into PostgreSQL."
    )

    @OptionGroup var servers: BenchServers

    @Option(help: "Results to ingest (one per account).")
    var results = 20_000

    @Option(help: "Results per transaction (KLARO_INGEST_BATCH).")
    var batch = 256

    @Option(help: "Ingest consumers running at once (replicas, or workers in one replica).")
    var consumers = 1

    @Option(help: "PostgreSQL connections.")
    var poolSize = 8

    @Option(name: .customLong("drop-index"), help: "An index to drop before ingesting, to measure what it costs (repeatable).")
    var droppedIndexes: [String] = []

    func run() async throws {
        let (adminURL, redisURL) = try servers.resolved()
        let logger = benchLogger()
        let database = try await BenchDatabase.create(adminURL: adminURL, logger: logger)
        let pool = PostgresPool(configuration: .init(url: database.url, size: poolSize), logger: logger)
        let redis = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: logger)
        try await redis.command(["FLUSHDB"])
        let vault = CredentialVault(keyRing: try KeyRing.parse(try KeyRing.generateEntry(id: "bench")))
        print("setting up \(results) accounts with a job in flight each …")
        _ = try await BenchFleet.createHosts(pool, hosts: 25, slotsPerHost: 4)
        _ = try await BenchFleet.createAccounts(pool, vault: vault, count: results, hosts: (0..<25).map { String(format: "bench-%04d", $0) }, slotsPerHost: 4)
        let jobs = try await pool.query("""
            WITH d AS (
                UPDATE account_schedule SET inflight_job_id = klaro_uuid_v7(), inflight_enqueued_at = now(),
                       inflight_deadline = now() + interval '1 hour', inflight_host = assigned_host,
                       inflight_slot = assigned_slot, fence = 1, attempt = 1, interval_anchor = next_sync_at
                RETURNING account_id AS id, inflight_job_id, inflight_host, inflight_slot, inflight_enqueued_at, inflight_deadline
            ), r AS (
                INSERT INTO sync_runs (job_id, account_id, host_id, slot, attempt, fence, enqueued_at, deadline)
                SELECT inflight_job_id, id, inflight_host, inflight_slot, 1, 1, inflight_enqueued_at, inflight_deadline FROM d
            )
            SELECT id, inflight_job_id, inflight_host, inflight_slot FROM d
            """)
        for index in droppedIndexes {
            guard !index.isEmpty, index.allSatisfy({ $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isNumber)) }) else {
                throw ValidationError("--drop-index takes an index name (letters, digits, _), not \(index)")
            }
            _ = try await pool.query("DROP INDEX \(index)")
        }
        print("writing \(results) results to \(ProtocolKeys.results) …")
        let encodeStarted = ContinuousClock.now
        var payloads: [String] = []
        payloads.reserveCapacity(jobs.count)
        for (index, row) in jobs.enumerated() {
            payloads.append(Self.result(
                index: index, account: try row.uuid(0), job: try row.uuid(1), host: try row.string(2), slot: try row.int(3)))
        }
        let encodeTime = ContinuousClock.now - encodeStarted
        for chunk in stride(from: 0, to: payloads.count, by: 1000) {
            let commands = payloads[chunk..<min(chunk + 1000, payloads.count)].map {
                RedisClient.xaddArguments(stream: ProtocolKeys.results, maxLength: nil, fields: [("result", $0)]).map { Array($0.utf8) }
            }
            _ = try await redis.pipeline(commands)
        }
        let bytes = payloads.reduce(0) { $0 + $1.utf8.count }
        // Decoding alone, to see how much of the time is JSON.
        let decodeStarted = ContinuousClock.now
        for payload in payloads.prefix(2000) { _ = ResultMessage.decode(Array(payload.utf8)) }
        let decodePerResult = seconds(ContinuousClock.now - decodeStarted) / Double(min(2000, payloads.count))

        let telemetry = MetricsBootstrap(build: BuildInfo(version: "bench", revision: "bench"))
        var settings = SyncSettings()
        settings.ingestBatch = batch
        let started = ContinuousClock.now
        var tasks: [Task<Void, any Error>] = []
        var clients: [RedisClient] = []
        var ingestors: [Ingestor] = []
        for index in 0..<consumers {
            let client = RedisClient(configuration: try RedisConfiguration(url: redisURL), logger: logger)
            clients.append(client)
            let ingestor = Ingestor(pool: pool, redis: client, settings: settings, metrics: telemetry.metrics, logger: logger, consumer: "bench-\(index)")
            ingestors.append(ingestor)
            tasks.append(Task { try await ingestor.run() })
        }
        while true {
            let finished = try await pool.query("SELECT count(*) FROM sync_runs WHERE state = 'finished'")[0].int(0)
            if finished >= jobs.count { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let elapsed = seconds(ContinuousClock.now - started)
        for task in tasks { task.cancel() }
        for task in tasks { _ = try? await task.value }
        let snapshots = try await pool.query("SELECT count(*) FROM account_snapshots")[0].int(0)
        let positions = try await pool.query("SELECT count(*) FROM positions")[0].int(0)
        let deals = try await pool.query("SELECT count(*) FROM deals")[0].int(0)
        let trades = try await pool.query("SELECT count(*) FROM trades")[0].int(0)
        print("ingest: \(jobs.count) results (\(bytes / jobs.count) bytes each), batch \(batch), \(consumers) consumer(s), pool \(poolSize)"
              + (droppedIndexes.isEmpty ? "" : ", without \(droppedIndexes.joined(separator: ", "))"))
        print(String(format: "  %.0f results/s end to end (%.2f s)", Double(jobs.count) / elapsed, elapsed))
        print(String(format: "  JSON decode + schema: %.1f µs per result (%.0f%% of the ingest time on one core)",
                     decodePerResult * 1e6, decodePerResult * Double(jobs.count) / elapsed * 100))
        print(String(format: "  (writing the results took %.0f ms to encode)", seconds(encodeTime) * 1000))
        var total = IngestStats()
        for ingestor in ingestors {
            let stats = ingestor.stats.withLock { $0 }
            total.results += stats.results
            total.validating += stats.validating
            total.storing += stats.storing
            total.acknowledging += stats.acknowledging
        }
        let per = { (duration: Duration) in seconds(duration) / Double(max(1, total.results)) * 1e6 }
        print(String(format: "  per result, summed over consumers: validate %.1f µs, store (PostgreSQL transaction) %.1f µs, dead-letter/ack %.1f µs",
                     per(total.validating), per(total.storing), per(total.acknowledging)))
        print("  stored: \(snapshots) snapshots, \(positions) positions, \(deals) deals, \(trades) trades")
        for client in clients { await client.close() }
        await redis.close()
        await pool.close()
        await database.drop(logger: logger)
    }

    /// A result with a snapshot, 5 open positions and 3 new deals (an in/out pair and one more in).
    static func result(index: Int, account: UUID, job: UUID, host: String, slot: Int) -> String {
        let now = EpochMilliseconds.from(Date())
        let t: Int64 = 1_764_000_000 + Int64(index % 86_400)
        var positions: [String] = []
        for p in 0..<5 {
            let ticket = Int64(index) * 10 + Int64(p) + 100
            positions.append("""
                {"ticket":\(ticket),"time":\(t),"time_msc":\(t * 1000),"time_update":\(t),"time_update_msc":\(t * 1000),"type":\(p % 2),"magic":\(p),"identifier":\(ticket),"reason":0,"volume":0.1,"price_open":1.1012,"sl":0.0,"tp":0.0,"price_current":1.1034,"swap":-0.12,"profit":2.2,"symbol":"EURUSD","comment":"","external_id":""}
                """)
        }
        var deals: [String] = []
        let position = Int64(index) * 10 + 1
        for d in 0..<3 {
            let ticket = Int64(index) * 10 + Int64(d) + 1
            let entry = d == 1 ? 1 : 0
            let type = d == 1 ? 1 : 0
            deals.append("""
                {"ticket":\(ticket),"order":\(ticket),"time":\(t + Int64(d)),"time_msc":\((t + Int64(d)) * 1000),"type":\(type),"entry":\(entry),"magic":7,"position_id":\(d == 2 ? position + 1 : position),"reason":0,"volume":1.0,"price":1.1\(d),"commission":-3.5,"swap":0.0,"profit":\(d == 1 ? 10.0 : 0.0),"fee":0.0,"symbol":"EURUSD","comment":"","external_id":""}
                """)
        }
        return """
            {"v":1,"job_id":"\(job.uuidString.lowercased())","account_id":"\(account.uuidString.lowercased())","host":"\(host)","slot":\(slot),"fence":1,"started_at":\(now - 2000),"finished_at":\(now),"outcome":"ok","mt5_error":{"code":1,"message":"Success"},"login_ms":1500,"fetch_ms":300,"account":{"login":\(1_000_000 + index),"trade_mode":0,"leverage":100,"balance":10000.5,"credit":0.0,"profit":11.0,"equity":10011.5,"margin":100.0,"margin_free":9911.5,"margin_level":10011.5,"name":"Bench","server":"Bench-Server","currency":"USD","company":"Bench Ltd"},"positions":[\(positions.joined(separator: ","))],"deals":[\(deals.joined(separator: ","))],"deals_truncated":false,"terminal":{"build":5200,"connected":true,"ping_last":40000}}
            """
    }
}
