import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small HTTP client for tests.
public enum TestHTTP {
    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        public let headers: [String: String]

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body as a JSON object.
        public func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw TestServerError.commandFailed("not a JSON object: \(text)")
            }
            return object
        }

        public func header(_ name: String) -> String? {
            headers.first { $0.key.lowercased() == name.lowercased() }?.value
        }
    }

    public static func request(
        _ method: String, _ url: String, headers: [String: String] = [:], body: Data? = nil
    ) async throws -> Reply {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.timeoutInterval = 30
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        request.httpBody = body
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var fields: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { fields[key] = value }
        }
        return Reply(status: http.statusCode, body: data, headers: fields)
    }

    public static func get(_ url: String, headers: [String: String] = [:]) async throws -> Reply {
        try await request("GET", url, headers: headers)
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    public static func eventually(
        timeout: Duration = .seconds(15), every interval: Duration = .milliseconds(100), _ condition: () async throws -> Bool
    ) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: interval)
        }
        return (try? await condition()) == true
    }
}
