import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Requires a valid bearer token on `/api` routes and puts its user in the context. Failed
/// attempts are counted per client (``AuthFailureLimiter``, keyed by the client address of
/// ``ClientAddressMiddleware``); a client over its budget gets 429 for further *invalid*
/// tokens until it cools down, while its valid tokens keep working, so a lockout cannot be
/// used to shut a user out from a shared address. The token is never logged.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = KlaroRequestContext

    let verifier: JWTVerifier
    let limiter: AuthFailureLimiter
    let users: UserDirectory

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let client = context.clientKey
        let claims: JWTClaims
        do {
            claims = try await verifier.verify(try Self.bearerToken(request))
        } catch {
            if let wait = limiter.retryAfter(client) {
                throw HTTPProblem.tooManyRequests("auth_rate_limited", "too many failed authentications; try again later", retryAfter: wait)
            }
            limiter.recordFailure(client)
            if let error = error as? JWTError {
                context.logger.info("authentication failed", metadata: ["reason": "\(error)", "client": "\(client)"])
                throw HTTPProblem.unauthorized(error.description, challenge: "Bearer error=\"invalid_token\"")
            }
            throw error
        }
        try await users.ensure(claims.userID, email: claims.email)
        var context = context
        context.userID = claims.userID
        context.logger[metadataKey: "user_id"] = .string(claims.userID.uuidString.lowercased())
        return try await next(request, context)
    }

    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers[.authorization] else {
            throw HTTPProblem.unauthorized("an Authorization: Bearer token is required", challenge: "Bearer")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            throw HTTPProblem.unauthorized("the Authorization header must be \"Bearer <token>\"", challenge: "Bearer")
        }
        return parts[1].trimmingCharacters(in: .whitespaces)
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

extension KlaroRequestContext {
    /// The verified caller; only routes behind ``AuthMiddleware`` ask.
    func requireUser() throws -> UUID {
        guard let userID else {
            throw HTTPProblem.unauthorized("an Authorization: Bearer token is required", challenge: "Bearer")
        }
        return userID
    }
}
