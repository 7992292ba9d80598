import Foundation
import Hummingbird

/// A JSON body an admin endpoint takes: its fields, so that a misspelt one (`dryrun`) is
/// refused instead of silently ignored.
protocol AdminRequestBody: Decodable, Sendable {
    static var fields: Set<String> { get }
}

extension AdminRequestBody {
    /// Reads the body: 400 if it is not a JSON object, 422 naming each unknown, missing or
    /// mistyped field. An empty body gives `empty` when the endpoint has defaults for all; a
    /// body of only whitespace is not JSON, so it is refused like any other malformed body.
    static func read(_ request: Request, context: KlaroRequestContext, empty: Self? = nil) async throws -> Self {
        let data = try await RequestBody.bytes(request, limit: context.maxUploadSize)
        if data.isEmpty {
            guard let empty else { throw HTTPProblem.badRequest("this endpoint needs a JSON object body") }
            return empty
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw HTTPProblem.badRequest("the request body must be a JSON object")
        }
        let unknown = Set(object.keys).subtracting(fields).sorted()
        guard unknown.isEmpty else {
            throw HTTPProblem.invalid(unknown.map { .init(field: $0, message: "unknown field; known: \(fields.sorted().joined(separator: ", "))") })
        }
        do {
            return try JSONDecoder().decode(Self.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw HTTPProblem.invalid([.init(field: key.stringValue, message: "is required")])
        } catch let DecodingError.typeMismatch(type, context) {
            throw HTTPProblem.invalid([.init(field: Self.path(context), message: "must be \(Self.describe(type))")])
        } catch let DecodingError.valueNotFound(type, context) {
            throw HTTPProblem.invalid([.init(field: Self.path(context), message: "must be \(Self.describe(type)), not null")])
        } catch let DecodingError.dataCorrupted(context) {
            throw HTTPProblem.invalid([.init(field: Self.path(context), message: context.debugDescription)])
        }
    }

    private static func path(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Bool.Type: "true or false"
        case is Int.Type, is Int64.Type: "a whole number"
        case is Double.Type: "a number"
        default: "a string"
        }
    }
}
