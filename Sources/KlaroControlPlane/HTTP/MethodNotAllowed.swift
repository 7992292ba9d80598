import HTTPTypes
import Hummingbird

/// Answers 405 with an `Allow` header for the methods a known path does not take (instead of
/// the router's 404), so that clients can tell a wrong method from a wrong path.
enum MethodNotAllowed {
    /// Methods a client may try; OPTIONS is left to CORS preflights.
    static let candidates: [HTTPRequest.Method] = [.get, .head, .post, .put, .patch, .delete, .trace, .init("QUERY")!]

    /// Registers 405 handlers on `path` for every candidate method not in `allowed`, on a
    /// router or a group (whose middleware, such as authentication, then runs first).
    static func register(on router: some RouterMethods<KlaroRequestContext>, path: RouterPath, allowed: [HTTPRequest.Method]) {
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        for method in candidates where !allowed.contains(method) {
            router.on(path, method: method) { _, _ -> Response in
                throw HTTPProblem(.methodNotAllowed, code: "method_not_allowed", message: "use \(allow) on this path",
                                  headers: [.allow: allow])
            }
        }
    }
}
