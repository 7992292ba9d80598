import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of klarod's `/admin` API.
struct AdminClient: Sendable {
    let settings: ClientSettings

    /// One answer: the decoded body and the raw JSON (for `--json`).
    struct Answer<Value: Decodable & Sendable>: Sendable {
        let value: Value
        let raw: Data
    }

    /// Sends a request and decodes a 2xx answer; any other status becomes a ``CLIFailure``.
    func send<Value: Decodable & Sendable>(
        _ method: String, _ path: String, query: [String: String] = [:], body: [String: Any]? = nil, as type: Value.Type
    ) async throws -> Answer<Value> {
        guard let token = settings.token else {
            throw CLIFailure(kind: .unauthorized, message: "no admin token: set KLARO_ADMIN_TOKEN or put it in the config file (--config)")
        }
        var components = URLComponents(string: settings.baseURL + path)
        if !query.isEmpty {
            components?.queryItems = query.keys.sorted().map { URLQueryItem(name: $0, value: query[$0]) }
        }
        guard let url = components?.url else { throw CLIFailure(kind: .refused, message: "cannot make a URL of \(settings.baseURL)\(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 60
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        request.setValue(settings.actor, forHTTPHeaderField: "X-Klaro-Actor")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw CLIFailure(kind: .unreachable, message: "klarod at \(settings.baseURL) did not answer: \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw CLIFailure(kind: .server, message: "klarod's answer was not HTTP")
        }
        guard (200..<300).contains(http.statusCode) else {
            let problem = try? JSONDecoder().decode(Wire.Problem.self, from: data)
            throw CLIFailure.http(
                status: http.statusCode, code: problem?.code,
                message: problem?.text ?? "klarod answered HTTP \(http.statusCode)"
            )
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        do {
            return Answer(value: try decoder.decode(Value.self, from: data), raw: data)
        } catch {
            throw CLIFailure(kind: .server, message: "klarod's answer to \(method) \(path) was not understood: \(error)")
        }
    }

    /// Prints a raw JSON answer, indented with sorted keys, for scripts.
    static func printJSON(_ data: Data) {
        if let object = try? JSONSerialization.jsonObject(with: data),
           let pretty = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]) {
            print(String(decoding: pretty, as: UTF8.self))
        } else {
            print(String(decoding: data, as: UTF8.self))
        }
    }
}

/// The path segment for a host or account id, escaped.
func pathSegment(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
}
