import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Gives every request an id (the caller's `X-Request-Id` when it is a sane token), puts it in
/// the request's logger metadata, and returns it in the response, errors included.
struct RequestIDMiddleware: RouterMiddleware {
    typealias Context = KlaroRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let given = request.headers[.requestID]
        let id = given.flatMap { Self.isSane($0) ? $0 : nil } ?? UUID().uuidString.lowercased()
        context.requestID = id
        context.logger[metadataKey: "request_id"] = .string(id)
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = id
            return response
        } catch let error as HTTPError {
            // Hummingbird's own errors (no route, body too large, bad JSON) as problem+json too.
            let code = error.status == .notFound ? "not_found" : error.status == .contentTooLarge ? "too_large" : "http_\(error.status.code)"
            let problem = HTTPProblem(error.status, code: code, message: error.body ?? error.status.reasonPhrase, headers: error.headers)
            var response = try problem.response(from: request, context: context)
            response.headers[.requestID] = id
            return response
        } catch let error as any HTTPResponseError {
            var response = try error.response(from: request, context: context)
            response.headers[.requestID] = id
            return response
        } catch {
            // Anything else is a bug or an outage: log it in full, answer without details.
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            let problem = HTTPProblem(.internalServerError, code: "internal_error", message: "internal error; quote request id \(id)")
            var response = try problem.response(from: request, context: context)
            response.headers[.requestID] = id
            return response
        }
    }

    static func isSane(_ id: String) -> Bool {
        (1...64).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || byte == 45 || byte == 95 || byte == 46
        }
    }
}
