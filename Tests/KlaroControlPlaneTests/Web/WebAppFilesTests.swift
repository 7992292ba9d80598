import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
@testable import KlaroControlPlane
import Testing

@Suite("Serving the web app (web/dist)")
struct WebAppFilesTests {
    /// A built app in a temporary directory: index.html, a hashed bundle with its .gz twin, a favicon.
    static func builtApp() throws -> String {
        let root = NSTemporaryDirectory() + "klaro-web-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/assets", withIntermediateDirectories: true)
        try Data("<!doctype html><title>Klaro</title>".utf8).write(to: URL(fileURLWithPath: root + "/index.html"))
        try Data("console.log('app')".utf8).write(to: URL(fileURLWithPath: root + "/assets/main-ABC123.js"))
        try Data("GZIPPED".utf8).write(to: URL(fileURLWithPath: root + "/assets/main-ABC123.js.gz"))
        try Data("<svg/>".utf8).write(to: URL(fileURLWithPath: root + "/favicon.svg"))
        return root
    }

    /// Collects what a response body writes.
    final class Collector: ResponseBodyWriter {
        var buffer = ByteBuffer()
        func write(_ buffer: ByteBuffer) async throws {
            var copy = buffer
            self.buffer.writeBuffer(&copy)
        }
        func finish(_ trailingHeaders: HTTPFields?) async throws {}
    }

    static func body(_ response: Response) async throws -> String {
        let collector = Collector()
        try await response.body.write(collector)
        return String(buffer: collector.buffer)
    }

    @Test("every app route gets index.html, uncached, with the security headers")
    func spaFallback() async throws {
        let files = WebAppFiles(root: try Self.builtApp())
        for path in ["/", "/dashboard", "/dashboard/", "/accounts/add", "/analytics", "/login", "/signup", "/settings", "/ops"] {
            let response = try await files.response(path: path, acceptEncoding: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-cache")
            let policy = try #require(response.headers[.contentSecurityPolicy])
            #expect(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"))
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
            #expect(response.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer")
            #expect(try await Self.body(response).contains("<title>Klaro</title>"))
        }
    }

    @Test("assets are immutable for a year and sent gzipped when the client accepts it")
    func assets() async throws {
        let files = WebAppFiles(root: try Self.builtApp())
        let plain = try await files.response(path: "/assets/main-ABC123.js", acceptEncoding: "br")
        #expect(plain.headers[.cacheControl] == "public, max-age=31536000, immutable")
        #expect(plain.headers[.contentEncoding] == nil)
        #expect(plain.headers[.vary] == "Accept-Encoding")
        #expect(plain.headers[.contentType] == "text/javascript; charset=utf-8")
        #expect(try await Self.body(plain) == "console.log('app')")
        let gzipped = try await files.response(path: "/assets/main-ABC123.js", acceptEncoding: "gzip, deflate, br")
        #expect(gzipped.headers[.contentEncoding] == "gzip")
        #expect(gzipped.headers[.contentLength] == "7")
        #expect(try await Self.body(gzipped) == "GZIPPED")
        let refused = try await files.response(path: "/assets/main-ABC123.js", acceptEncoding: "gzip;q=0")
        #expect(refused.headers[.contentEncoding] == nil)
    }

    @Test("a missing asset, an API path or a path that leaves the root is a 404, never the app")
    func notFound() async throws {
        let files = WebAppFiles(root: try Self.builtApp())
        for path in ["/assets/gone-123.js", "/api/nothing", "/admin/x", "/auth/v1/nothing", "/../etc/passwd", "/%2e%2e/etc/passwd", "/missing.png",
                     "/no/such/route", "/assets"] {
            await #expect(throws: HTTPProblem.self, "\(path)") { _ = try await files.response(path: path, acceptEncoding: nil) }
        }
        #expect(WebAppFiles.safeRelativePath("/a/../../b") == nil)
        #expect(WebAppFiles.safeRelativePath("/.env") == nil)
        #expect(WebAppFiles.safeRelativePath("/favicon.svg") == "favicon.svg")
    }

    @Test("without a built app, / explains how to build it")
    func notBuilt() async throws {
        let files = WebAppFiles(root: NSTemporaryDirectory() + "klaro-web-missing-\(UUID().uuidString)")
        let response = try await files.response(path: "/dashboard", acceptEncoding: nil)
        #expect(response.status == .serviceUnavailable)
        let text = try await Self.body(response)
        #expect(text.contains("ops/web build") && text.contains("KLARO_WEB_ROOT"))
        #expect(response.headers[.contentSecurityPolicy] != nil)
        // Any other path stays a 404 (probes and monitors expect one), built or not.
        await #expect(throws: HTTPProblem.self) { _ = try await files.response(path: "/no-such-page", acceptEncoding: nil) }
    }

    @Test("Accept-Encoding parsing")
    func acceptEncoding() {
        #expect(WebAppFiles.acceptsGzip("gzip"))
        #expect(WebAppFiles.acceptsGzip("deflate, GZIP;q=0.5"))
        #expect(WebAppFiles.acceptsGzip("*"))
        #expect(!WebAppFiles.acceptsGzip("gzip;q=0"))
        #expect(!WebAppFiles.acceptsGzip("br"))
        #expect(!WebAppFiles.acceptsGzip(nil))
    }
}
