import Foundation
import KlaroPostgres

/// Samples what the soak measures: klarod's and PostgreSQL's CPU, klarod's RSS, WAL written,
/// rows updated per table, `/metrics` size and time, and klarod's log lines.
struct SoakProbe: Sendable {
    let pool: PostgresPool
    let klarodPID: Int32
    let metricsURL: String
    let logPath: String
    let postmasterPID: Int32
    /// Reads the WAL of each sample interval with pg_walinspect to split it by relation.
    var walByRelation = false
    /// Prints each sample's RSS (whole and anonymous) as it is taken: growth against a plateau.
    var printSamples = false

    struct Sample {
        var at = Date()
        var klarodCPU = 0.0, postgresCPU = 0.0
        var rssMB = 0.0
        /// The anonymous part of the RSS (heap, stacks), without the mapped binary and libraries.
        var anonMB = 0.0
        var walBytes = 0.0
        var accountRows = 0.0, fleetRows = 0.0
        /// Checkpoints begun: after each, the first write to a page logs the whole page.
        var checkpoints = 0.0
        var logLines = 0
        var metricsBytes = 0, metricsSeconds = 0.0
    }

    /// Runs one phase of `seconds`, sampling every `every` seconds; the summary line, then
    /// where the writes went (``SoakWrites``).
    func phase(seconds: Double, every: Double) async throws -> String {
        let writes = SoakWrites(pool: pool)
        let rowsBefore = try await writes.tableRows()
        var wal: [String: SoakWrites.RelationWAL] = [:], records: [String: SoakWrites.RelationWAL] = [:]
        var lsn = walByRelation ? try await writes.flushedLSN() : ""
        var samples = [try await sample()]
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            try await Task.sleep(for: .seconds(min(every, max(0.1, end.timeIntervalSinceNow))))
            samples.append(try await sample())
            if printSamples, let last = samples.last {
                print(String(format: "  sample +%.0f s: rss %.1f MB anon %.1f MB", last.at.timeIntervalSince(samples[0].at), last.rssMB, last.anonMB))
            }
            if walByRelation {
                let next = try await writes.flushedLSN()
                let split = try await writes.walByRelation(from: lsn, to: next)
                for (name, part) in split.relations {
                    wal[name, default: .init()].bytes += part.bytes
                    wal[name, default: .init()].fpi += part.fpi
                }
                for (name, part) in split.records {
                    records[name, default: .init()].bytes += part.bytes
                    records[name, default: .init()].fpi += part.fpi
                }
                lsn = next
            }
        }
        let rowsAfter = try await writes.tableRows()
        let first = samples.first!, last = samples.last!
        let elapsed = max(1, last.at.timeIntervalSince(first.at))
        let minutes = elapsed / 60
        func f(_ value: Double, _ digits: Int = 0) -> String { String(format: "%.\(digits)f", value) }
        let later = samples.dropFirst()
        let metricsKB = Double(later.map(\.metricsBytes).max() ?? 0) / 1024
        // The median scrape time, with the slowest in parentheses: on a shared machine one
        // scrape that waited for a core says little about rendering.
        let times = later.map(\.metricsSeconds).sorted()
        let metricsMS = (times.isEmpty ? 0 : times[times.count / 2]) * 1000
        let slowestMS = (times.last ?? 0) * 1000
        return "klarod cpu \(f(100 * (last.klarodCPU - first.klarodCPU) / elapsed, 1))% "
            + "rss \(f(first.rssMB))->\(f(last.rssMB)) MB (max \(f(samples.map(\.rssMB).max() ?? 0)), anon \(f(first.anonMB))->\(f(last.anonMB))) | "
            + "pg cpu \(f(100 * (last.postgresCPU - first.postgresCPU) / elapsed, 1))% | "
            + "wal \(f((last.walBytes - first.walBytes) / 1_048_576 / minutes, 1)) MB/min "
            + "(checkpoints \(f(last.checkpoints - first.checkpoints))) | "
            + "rows/min accounts \(f((last.accountRows - first.accountRows) / minutes)) "
            + "hosts+slots \(f((last.fleetRows - first.fleetRows) / minutes)) | "
            + "metrics \(f(metricsKB)) KB \(f(metricsMS)) ms (max \(f(slowestMS))) | "
            + "log lines/min \(f(Double(last.logLines - first.logLines) / minutes, 1))\n"
            + SoakWrites.summary(rowsBefore: rowsBefore, rowsAfter: rowsAfter, wal: wal, records: records, minutes: minutes)
    }

    func sample() async throws -> Sample {
        var sample = Sample()
        sample.klarodCPU = Self.cpuSeconds(klarodPID)
        sample.rssMB = Self.rssMB(klarodPID)
        sample.anonMB = Self.rssMB(klarodPID, field: "RssAnon:")
        // The live processes' time plus what the exited ones used (the postmaster reaps its
        // backends): a backend that ended between two samples no longer takes its time with it.
        sample.postgresCPU = Self.processTree(postmasterPID).reduce(0) { $0 + Self.cpuSeconds($1) }
            + Self.cpuSeconds(postmasterPID, reapedChildren: true)
        _ = try? await pool.query("SELECT pg_stat_force_next_flush()")
        let row = try await pool.query("""
            SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8,
                   (SELECT coalesce(sum(n_tup_upd + n_tup_ins + n_tup_del), 0)::float8 FROM pg_stat_user_tables
                    WHERE relname = 'user_mt5_accounts'),
                   (SELECT coalesce(sum(n_tup_upd + n_tup_ins + n_tup_del), 0)::float8 FROM pg_stat_user_tables
                    WHERE relname IN ('worker_hosts', 'terminal_slots')),
                   (SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter)::float8
            """)[0]
        sample.walBytes = try row.double(0)
        sample.accountRows = try row.double(1)
        sample.fleetRows = try row.double(2)
        sample.checkpoints = try row.double(3)
        sample.logLines = ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").count
        let started = ContinuousClock.now
        if let reply = try? await BenchHTTP.get(metricsURL, token: nil) {
            sample.metricsSeconds = seconds(ContinuousClock.now - started)
            sample.metricsBytes = reply.body.count
        }
        sample.at = Date()
        return sample
    }

    // MARK: /proc

    /// User plus system CPU seconds of a process (0 once it is gone); with `reapedChildren`,
    /// those of its children that exited and were waited for instead (proc(5) cutime, cstime).
    static func cpuSeconds(_ pid: Int32, reapedChildren: Bool = false) -> Double {
        let first = reapedChildren ? 15 : 13
        guard let fields = statFields(pid), fields.count > first + 1 else { return 0 }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return ((Double(fields[first]) ?? 0) + (Double(fields[first + 1]) ?? 0)) / ticks
    }

    /// A size line of /proc/PID/status in MB: the whole RSS by default.
    static func rssMB(_ pid: Int32, field: String = "VmRSS:") -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix(field) })
        else { return 0 }
        return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
    }

    /// `pid` and its children (PostgreSQL's backends and helpers).
    static func processTree(_ pid: Int32) -> [Int32] {
        let all = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap { Int32($0) } ?? []
        return [pid] + all.filter { statFields($0).map { $0.count > 3 && Int32($0[3]) == pid } ?? false }
    }

    /// Fields of /proc/PID/stat, numbered as in proc(5) minus one, the command name skipped.
    private static func statFields(_ pid: Int32) -> [String]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")")
        else { return nil }
        let rest = text[text.index(after: close)...].split(separator: " ").map(String.init)
        return ["", ""] + rest
    }
}
