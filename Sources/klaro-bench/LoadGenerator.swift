import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Puts one GET endpoint under closed-loop load: `wrk` when installed, else a built-in
/// client of `connections` concurrent loops (slower, so its figures include more client time).
struct LoadGenerator: Sendable {
    struct Result: Sendable {
        let tool: String
        let p50: Double
        let p99: Double
        let requestsPerSecond: Double
        let requests: Int
        let errors: Int
    }

    let url: String
    let token: String
    let seconds: Int
    let connections: Int

    func run() async throws -> Result {
        if let wrk = BenchProcess.which("wrk") { return try await runWrk(wrk) }
        return try await runBuiltIn()
    }

    private func runWrk(_ wrk: String) async throws -> Result {
        let threads = max(1, min(2, connections))
        let (status, output) = try await BenchProcess.run(wrk, [
            "-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-H", "Authorization: Bearer \(token)", url,
        ])
        guard status == 0 else { throw BenchError("wrk exited \(status): \(output)") }
        func latency(_ label: String) -> Double? {
            guard let line = output.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) })
            else { return nil }
            return line.split(separator: " ").last.flatMap { Self.seconds(String($0)) }
        }
        let rps = output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        let total = output.split(separator: "\n").first { $0.contains("requests in") }
            .flatMap { Int($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") } ?? 0
        let non2xx = output.split(separator: "\n").first { $0.contains("Non-2xx") }
            .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
        guard let p50 = latency("50%"), let p99 = latency("99%") else { throw BenchError("could not read wrk's output:\n\(output)") }
        return Result(tool: "wrk", p50: p50, p99: p99, requestsPerSecond: rps, requests: total, errors: non2xx)
    }

    /// `1.23ms`, `850.00us`, `1.01s` → seconds.
    static func seconds(_ text: String) -> Double? {
        for (suffix, scale) in [("us", 1e-6), ("ms", 1e-3), ("s", 1.0)] where text.hasSuffix(suffix) {
            return Double(text.dropLast(suffix.count)).map { $0 * scale }
        }
        return nil
    }

    private func runBuiltIn() async throws -> Result {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let started = ContinuousClock.now
        let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
            for _ in 0..<connections {
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    while ContinuousClock.now < deadline {
                        let begin = ContinuousClock.now
                        let reply = try await BenchHTTP.get(url, token: token)
                        let elapsed = ContinuousClock.now - begin
                        latencies.append(Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
                        if reply.status != 200 { errors += 1 }
                    }
                    return (latencies, errors)
                }
            }
            var all: [([Double], Int)] = []
            for try await result in group { all.append(result) }
            return all
        }
        let elapsed = ContinuousClock.now - started
        let latencies = results.flatMap(\.0).sorted()
        let errors = results.reduce(0) { $0 + $1.1 }
        guard !latencies.isEmpty else { throw BenchError("no request finished") }
        let quantile = { (q: Double) in latencies[min(latencies.count - 1, Int(q * Double(latencies.count)))] }
        let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Result(tool: "built-in client (install wrk for better figures)", p50: quantile(0.5), p99: quantile(0.99),
                      requestsPerSecond: Double(latencies.count) / wall, requests: latencies.count, errors: errors)
    }
}

/// One GET with a bearer token.
enum BenchHTTP {
    static func get(_ url: String, token: String?) async throws -> (status: Int, body: Data) {
        var request = URLRequest(url: URL(string: url)!)
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
