import Foundation
import HTTPTypes
import Hummingbird
import KlaroCore
import Logging

/// `/auth/v1`: the built-in identity, with Supabase Auth's endpoints and JSON shapes, so a
/// client written for Supabase (supabase-js) works against klarod unchanged. In Supabase mode
/// every path here answers 404: the project's own Auth serves them.
struct IdentityRoutes: RouteGroup {
    let service: IdentityService?

    static let paths: [(String, [HTTPRequest.Method])] = [
        ("/auth/v1/signup", [.post]),
        ("/auth/v1/token", [.post]),
        ("/auth/v1/logout", [.post]),
        ("/auth/v1/user", [.get, .put]),
    ]

    func register(on router: Router<KlaroRequestContext>) {
        guard let service else {
            for (path, methods) in Self.paths {
                for method in methods {
                    router.on(RouterPath(path), method: method) { _, _ -> Response in
                        throw HTTPProblem(.notFound, code: "not_found",
                                          message: "built-in sign-in is off: this deployment uses its Supabase project's Auth")
                    }
                }
            }
            return
        }
        let auth = router.group("/auth/v1")
        auth.post("signup") { request, context in
            let body = try await RequestBody.jsonObject(request, context: context)
            return JSONResponse(try await service.signUp(
                email: Self.string(body, "email"), password: Secret(Self.string(body, "password")), client: context.clientKey))
        }
        auth.post("token") { request, context in
            let body = try await RequestBody.jsonObject(request, context: context)
            switch request.uri.queryParameters.get("grant_type") {
            case "password"?:
                return JSONResponse(try await service.signIn(
                    email: Self.string(body, "email"), password: Secret(Self.string(body, "password")), client: context.clientKey))
            case "refresh_token"?:
                return JSONResponse(try await service.refresh(token: Secret(Self.string(body, "refresh_token")), client: context.clientKey))
            default:
                throw HTTPProblem(.badRequest, code: "unsupported_grant_type",
                                  message: "grant_type must be password or refresh_token")
            }
        }
        auth.post("logout") { request, context in
            let scope = request.uri.queryParameters.get("scope") ?? "local"
            guard ["local", "global", "others"].contains(scope) else {
                throw HTTPProblem.badRequest("scope must be local, global or others")
            }
            try await service.logout(token: try AuthMiddleware.bearerToken(request), scope: scope)
            return Response(status: .noContent)
        }
        auth.get("user") { request, _ in
            JSONResponse(try await service.user(token: try AuthMiddleware.bearerToken(request)))
        }
        auth.put("user") { request, context in
            let body = try await RequestBody.jsonObject(request, context: context)
            let token = try AuthMiddleware.bearerToken(request)
            guard case .string(let password)? = body["password"] else {
                throw HTTPProblem.invalid([.init(field: "password", message: "is required (the new password)")])
            }
            return JSONResponse(try await service.changePassword(token: token, to: Secret(password)))
        }
    }

    /// A string field of the body; a missing or non-string one reads as empty, which the
    /// service then refuses as it would a wrong value.
    private static func string(_ body: [String: JSONValue], _ key: String) -> String {
        body[key]?.string ?? ""
    }
}
