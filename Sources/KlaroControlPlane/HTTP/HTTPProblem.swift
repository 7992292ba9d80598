import Foundation
import HTTPTypes
import Hummingbird

/// An error answered as RFC 7807 `application/problem+json`, with a stable `code` and a
/// `message` an API client can show.
public struct HTTPProblem: HTTPResponseError, Sendable {
    /// A field that failed validation.
    public struct FieldError: Codable, Sendable, Equatable {
        public let field: String
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }
    }

    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var fields: [FieldError]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, message: String, fields: [FieldError] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields
        self.headers = headers
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ProblemBody(
            type: "https://klaro.dev/problems/\(code)",
            title: status.reasonPhrase,
            status: status.code,
            detail: message,
            code: code,
            message: message,
            errors: fields.isEmpty ? nil : fields,
            request_id: (context as? KlaroRequestContext)?.requestID
        )
        let encoder = JSONEncoding.encoder()
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(body))))
    }

    // MARK: Common problems

    public static func notFound(_ what: String) -> HTTPProblem {
        HTTPProblem(.notFound, code: "not_found", message: "\(what) was not found")
    }

    public static func badRequest(_ message: String) -> HTTPProblem {
        HTTPProblem(.badRequest, code: "bad_request", message: message)
    }

    public static func invalid(_ fields: [FieldError]) -> HTTPProblem {
        let names = fields.map(\.field).joined(separator: ", ")
        return HTTPProblem(.unprocessableContent, code: "validation_failed", message: "invalid fields: \(names)", fields: fields)
    }

    public static func unauthorized(_ message: String, challenge: String) -> HTTPProblem {
        HTTPProblem(.unauthorized, code: "unauthorized", message: message, headers: [.wwwAuthenticate: challenge])
    }

    public static func unavailable(_ message: String) -> HTTPProblem {
        HTTPProblem(.serviceUnavailable, code: "unavailable", message: message, headers: [.retryAfter: "5"])
    }
}

/// The JSON of an ``HTTPProblem``.
struct ProblemBody: Encodable {
    let type: String
    let title: String
    let status: Int
    let detail: String
    let code: String
    let message: String
    let errors: [HTTPProblem.FieldError]?
    let request_id: String?
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
