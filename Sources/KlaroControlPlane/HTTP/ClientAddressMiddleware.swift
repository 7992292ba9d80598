import Hummingbird
import KlaroCore

/// Resolves the client's address once per request (``ClientAddress``), so that rate limits,
/// the lockout and the admin audit log all name the same client.
struct ClientAddressMiddleware: RouterMiddleware {
    typealias Context = KlaroRequestContext

    let resolver: ClientAddress

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.clientAddress = resolver.resolve(peer: context.remoteAddress, forwardedFor: request.headers[.xForwardedFor])
        return try await next(request, context)
    }
}
