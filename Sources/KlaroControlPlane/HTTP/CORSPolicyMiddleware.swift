import HTTPTypes
import Hummingbird

/// CORS for the traders' web app: only origins in `KLARO_CORS_ORIGINS` get
/// `Access-Control-Allow-Origin`, on answers and on errors alike (so the app can read the
/// problem JSON). Preflights from listed origins get 204; from others 403. Requests without
/// an `Origin` pass untouched. Bearer tokens, not cookies: no credentials mode.
struct CORSPolicyMiddleware: RouterMiddleware {
    typealias Context = KlaroRequestContext

    let allowedOrigins: Set<String>
    // PUT and supabase-js's own headers: the built-in identity's `/auth/v1` (docs/identity.md).
    static let allowMethods = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
    static let allowHeaders = "Authorization, Content-Type, X-Request-Id, apikey, X-Client-Info, X-Supabase-Api-Version"
    static let exposeHeaders = "X-Request-Id, Retry-After"
    static let maxAge = "600"

    init(origins: [String]) {
        allowedOrigins = Set(origins.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 })
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin] else { return try await next(request, context) }
        let allowed = allowedOrigins.contains(origin)
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            guard allowed else {
                throw HTTPProblem(.forbidden, code: "cors_origin_not_allowed", message: "this origin may not call the API from a browser",
                                  headers: [.vary: "Origin"])
            }
            var headers = corsHeaders(origin)
            headers[.accessControlAllowMethods] = Self.allowMethods
            headers[.accessControlAllowHeaders] = Self.allowHeaders
            headers[.accessControlMaxAge] = Self.maxAge
            return Response(status: .noContent, headers: headers)
        }
        guard allowed else { return try await next(request, context) }
        do {
            var response = try await next(request, context)
            response.headers.append(contentsOf: corsHeaders(origin))
            return response
        } catch var error as HTTPProblem {
            error.headers.append(contentsOf: corsHeaders(origin))
            throw error
        } catch let error as HTTPError {
            var headers = error.headers
            headers.append(contentsOf: corsHeaders(origin))
            throw HTTPError(error.status, headers: headers, message: error.body ?? error.status.reasonPhrase)
        }
    }

    private func corsHeaders(_ origin: String) -> HTTPFields {
        [.accessControlAllowOrigin: origin, .accessControlExposeHeaders: Self.exposeHeaders, .vary: "Origin"]
    }
}
