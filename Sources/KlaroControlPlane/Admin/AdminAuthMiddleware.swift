import Foundation
import HTTPTypes
import Hummingbird
import KlaroCore
import Logging

/// Guards `/admin/*` with the admin bearer token (`KLARO_ADMIN_TOKEN`), compared in constant
/// time. A request without the right token gets 401, changes nothing, and is written to the
/// audit log as `denied` (action `auth`, target its method and path) with the client's address
/// (``ClientAddressMiddleware``, the same the limiter charges),
/// never the token it sent. A client that fails too often (`KLARO_AUTH_FAILURE_LIMIT` a minute)
/// gets 429 for further wrong tokens until it cools down, without further audit rows, so
/// guessing cannot flood the log; the right token still works (as on `/api`).
///
/// Every operator shares the token, so the audit log's actor is what the caller says it is
/// in `X-Klaro-Actor` (the CLI sends `user@machine`), prefixed with `admin:`; it names who
/// claims to act, it proves nothing.
struct AdminAuthMiddleware: RouterMiddleware {
    typealias Context = KlaroRequestContext

    let token: Secret
    let audit: AdminAuditLog
    let limiter: AuthFailureLimiter
    let logger: Logger

    static let actorHeader = HTTPField.Name("X-Klaro-Actor")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let client = context.clientKey
        guard let presented = Self.bearerToken(request.headers[.authorization]), token.constantTimeEquals(presented) else {
            // Only a wrong or missing token is limited: an operator whose address is locked out
            // (a browser that failed a few log-ins, a shared NAT) keeps working with the token.
            if let wait = limiter.retryAfter(client) {
                throw HTTPProblem.tooManyRequests("auth_rate_limited", "too many failed authentications; try again later", retryAfter: wait)
            }
            limiter.recordFailure(client)
            let reason = request.headers[.authorization] == nil ? "no bearer token" : "wrong token"
            let target = "\(request.method.rawValue) \(request.uri.path)"
            do {
                try await audit.record(
                    actor: Self.actor(request), action: "auth", target: target,
                    result: .denied, remoteAddress: context.clientAddress, after: ["reason": .string(reason)]
                )
            } catch {
                logger.error("could not audit a refused admin request", metadata: ["error": "\(error)"])
            }
            logger.warning("admin request refused", metadata: [
                "reason": "\(reason)", "path": "\(target)", "remote_addr": "\(context.clientAddress ?? "-")",
            ])
            throw HTTPProblem.unauthorized(
                "the admin API needs `Authorization: Bearer <KLARO_ADMIN_TOKEN>`", challenge: "Bearer realm=\"klaro-admin\""
            )
        }
        context.adminActor = Self.actor(request)
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer …` header.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// `admin:` plus the caller's `X-Klaro-Actor` when it is a sane name, else `admin`.
    static func actor(_ request: Request) -> String {
        guard let claimed = request.headers[actorHeader], (1...64).contains(claimed.utf8.count),
              claimed.utf8.allSatisfy({ byte in
                  (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122)
                      || [45, 46, 64, 95].contains(byte)
              })
        else { return "admin" }
        return "admin:\(claimed)"
    }
}
