import Foundation
import HTTPTypes
import Hummingbird
import NIOPosix

/// Serves the traders' web app (`web/dist`, built by `ops/web build`) at `/`.
///
/// `/assets/*` are content-hashed, so they are cached for a year as immutable; the app's own
/// routes (``WebAppFiles/appRoutes``) get `index.html` and its router takes it from there. A
/// precompressed `.gz` sibling is sent when the client accepts gzip. Any other path stays a
/// problem+json 404, so an unknown `/api/…` never turns into HTML.
struct WebAppRoutes: RouteGroup {
    let root: String

    func register(on router: Router<KlaroRequestContext>) {
        let files = WebAppFiles(root: root)
        let handler: @Sendable (Request, KlaroRequestContext) async throws -> Response = { request, _ in
            try await files.response(path: request.uri.path, acceptEncoding: request.headers[.acceptEncoding], head: request.method == .head)
        }
        router.get("/", use: handler)
        router.get("/**", use: handler)
        router.head("/", use: handler)
        router.head("/**", use: handler)
    }
}

/// Finds and reads the web app's files; the HTTP details live here so they can be tested.
struct WebAppFiles: Sendable {
    let root: String

    /// Prefixes that belong to klarod's own interfaces, never to the app.
    static let reservedPrefixes = ["/api/", "/admin/", "/auth/", "/metrics", "/healthz", "/readyz", "/openapi.yaml"]

    /// The pages of the app's router (`web/src/router.ts`); each answers `index.html`.
    static let appRoutes: Set<String> = [
        "/", "/login", "/signup", "/dashboard", "/accounts", "/accounts/add", "/analytics", "/settings", "/ops",
    ]

    func response(path: String, acceptEncoding: String?, head: Bool = false) async throws -> Response {
        if Self.reservedPrefixes.contains(where: { path == $0 || path.hasPrefix($0) || path + "/" == $0 }) {
            throw HTTPProblem.notFound("\(path)")
        }
        let route = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        let relative = Self.safeRelativePath(path)
        let gzip = Self.acceptsGzip(acceptEncoding)
        let root = self.root
        // Every stat and read in one trip to the thread pool: file system calls block.
        let found = try await NIOThreadPool.singleton.runIfActive {
            Self.find(root: root, route: route, relative: relative, gzip: gzip)
        }
        switch found {
        case .notBuilt:
            // Only the app's pages say how to build it; any other path is a plain 404, built or not.
            guard Self.appRoutes.contains(route) else { throw HTTPProblem.notFound("\(path)") }
            return Self.notBuiltPage(root: root)
        case .missing:
            throw HTTPProblem.notFound("\(path)")
        case .file(let file, let gzipped, let bytes):
            var headers = WebSecurityHeaders.fields
            headers[.contentType] = Self.contentType(of: file)
            headers[.cacheControl] = path.hasPrefix("/assets/") && file != root + "/index.html"
                ? "public, max-age=31536000, immutable" : "no-cache"
            if Self.compressible(file) { headers[.vary] = "Accept-Encoding" }
            if gzipped { headers[.contentEncoding] = "gzip" }
            headers[.contentLength] = String(bytes.count)
            return Response(status: .ok, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
    }

    /// What a path finds below the root.
    enum Found: Sendable {
        /// No `index.html`: the app was not built.
        case notBuilt
        case missing
        /// The file answered (`index.html` for an app route), and the bytes sent: its `.gz`
        /// sibling's when `gzipped`.
        case file(String, gzipped: Bool, bytes: Data)
    }

    /// The file for an app route (`index.html`) or a path below the root (blocking: call it
    /// off the event loops and the cooperative pool).
    static func find(root: String, route: String, relative: String?, gzip: Bool) -> Found {
        let index = root + "/index.html"
        guard FileManager.default.fileExists(atPath: index) else { return .notBuilt }
        guard let relative else { return .missing }
        var file = index
        if !appRoutes.contains(route) {
            let candidate = root + "/" + relative
            var isDirectory: ObjCBool = false
            guard !relative.isEmpty, FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory), !isDirectory.boolValue else {
                return .missing
            }
            file = candidate
        }
        if compressible(file), gzip, let bytes = FileManager.default.contents(atPath: file + ".gz") {
            return .file(file, gzipped: true, bytes: bytes)
        }
        guard let bytes = FileManager.default.contents(atPath: file) else { return .missing }
        return .file(file, gzipped: false, bytes: bytes)
    }

    /// The path below the root, or nil when it tries to leave it (`..`, NUL, backslashes).
    static func safeRelativePath(_ path: String) -> String? {
        let decoded = path.removingPercentEncoding ?? path
        guard !decoded.contains("\0"), !decoded.contains("\\") else { return nil }
        let parts = decoded.split(separator: "/", omittingEmptySubsequences: true)
        guard !parts.contains(where: { $0 == ".." || $0 == "." || $0.hasPrefix(".") }) else { return nil }
        return parts.joined(separator: "/")
    }

    /// True when `Accept-Encoding` lists gzip with a non-zero quality.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        for item in header.split(separator: ",") {
            let parts = item.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard parts.first == "gzip" || parts.first == "*" else { continue }
            let quality = parts.dropFirst().first { $0.hasPrefix("q=") }.flatMap { Double($0.dropFirst(2)) } ?? 1
            return quality > 0
        }
        return false
    }

    static func compressible(_ file: String) -> Bool {
        [".js", ".css", ".html", ".svg", ".map", ".json", ".txt"].contains { file.hasSuffix($0) }
    }

    static func contentType(of file: String) -> String {
        let types: [(String, String)] = [
            (".html", "text/html; charset=utf-8"), (".js", "text/javascript; charset=utf-8"), (".css", "text/css; charset=utf-8"),
            (".map", "application/json"), (".json", "application/json"), (".svg", "image/svg+xml"), (".png", "image/png"),
            (".ico", "image/x-icon"), (".woff2", "font/woff2"), (".txt", "text/plain; charset=utf-8"), (".webmanifest", "application/manifest+json"),
        ]
        return types.first { file.hasSuffix($0.0) }?.1 ?? "application/octet-stream"
    }

    /// Answered while `web/dist` has not been built: what to run, and where klarod looked.
    static func notBuiltPage(root: String) -> Response {
        let escaped = root.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        let html = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><title>Klaro: web app not built</title></head>
            <body><h1>The Klaro web app is not built</h1>
            <p>klarod serves it from <code>\(escaped)</code>, which has no <code>index.html</code>.</p>
            <p>Build it from the checkout with <code>ops/web build</code> (or run <code>ops/demo</code>),
            or point <code>KLARO_WEB_ROOT</code> at a built copy (an operator install puts it under
            <code>/usr/share/klaro/web</code>). The API is at <code>/api</code>; its description at
            <a href="/openapi.yaml">/openapi.yaml</a>.</p></body></html>
            """
        var headers = WebSecurityHeaders.fields
        headers[.contentType] = "text/html; charset=utf-8"
        headers[.cacheControl] = "no-cache"
        return Response(status: .serviceUnavailable, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }
}

/// Headers on every page of the app: a strict Content-Security-Policy (no inline script or
/// style, nothing from elsewhere, no framing) and the usual hardening.
enum WebSecurityHeaders {
    static let contentSecurityPolicy = [
        "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'",
        "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ].joined(separator: "; ")

    static var fields: HTTPFields {
        [
            .contentSecurityPolicy: contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
            .xFrameOptions: "DENY",
            .crossOriginOpenerPolicy: "same-origin",
        ]
    }
}

extension HTTPField.Name {
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let xFrameOptions = HTTPField.Name("X-Frame-Options")!
    static let crossOriginOpenerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
