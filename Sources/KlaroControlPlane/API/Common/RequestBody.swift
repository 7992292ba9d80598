import Foundation
import Hummingbird
import NIOCore

/// Reads request bodies for the API: bounded in size (413 beyond), JSON objects only (400
/// otherwise).
enum RequestBody {
    /// The raw body, at most `limit` bytes.
    static func bytes(_ request: Request, limit: Int) async throws -> Data {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw HTTPProblem(.contentTooLarge, code: "too_large", message: "the request body is larger than \(limit) bytes")
        }
    }

    /// The body as a JSON object, within the context's upload limit.
    static func jsonObject(_ request: Request, context: KlaroRequestContext) async throws -> [String: JSONValue] {
        let data = try await bytes(request, limit: context.maxUploadSize)
        guard let value = try? JSONValue.parse(data) else {
            throw HTTPProblem.badRequest("the request body is not valid JSON")
        }
        guard let object = value.object else {
            throw HTTPProblem.badRequest("the request body must be a JSON object, not \(value.typeName)")
        }
        return object
    }
}
