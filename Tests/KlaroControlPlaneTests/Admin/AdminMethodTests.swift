import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

@Suite("Admin API: methods")
struct AdminMethodTests {
    static let methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @Test("a wrong method on an admin path is 405 with Allow (behind the token); the right ones reach their route")
    func wrongMethod() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            let account = try #require(try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 1).first)
            let id = account.uuidString.lowercased()
            let paths: [(String, Set<String>)] = [
                ("/admin/status", ["GET"]), ("/admin/fleet", ["GET"]), ("/admin/hosts/h1", ["GET"]),
                ("/admin/hosts/h1/cordon", ["POST"]), ("/admin/rebalance", ["POST"]), ("/admin/accounts", ["GET"]),
                ("/admin/accounts/\(id)", ["GET"]), ("/admin/accounts/\(id)/pin", ["POST", "DELETE"]),
                ("/admin/accounts/\(id)/sync", ["POST"]), ("/admin/accounts/\(id)/runs", ["GET"]), ("/admin/audit", ["GET"]),
            ]
            for (path, allowed) in paths {
                for method in Self.methods {
                    let reply = try await fixture.admin(method, path)
                    if allowed.contains(method) {
                        #expect(reply.status != 405 && reply.status != 404, "\(method) \(path): \(reply.status)")
                        continue
                    }
                    #expect(reply.status == 405, "\(method) \(path)")
                    #expect(Set(reply.header("Allow")?.components(separatedBy: ", ") ?? []) == allowed, "\(method) \(path)")
                    #expect(reply.header("Content-Type") == "application/problem+json")
                    #expect(try reply.json()["code"] as? String == "method_not_allowed")
                }
            }
            // Without the token, a wrong method is refused like any admin request, and audited.
            let anonymous = try await fixture.admin("PUT", "/admin/status", token: "")
            #expect(anonymous.status == 401)
            let denied = try await fixture.pool.query(
                "SELECT count(*) FROM admin_audit WHERE action = 'auth' AND target = 'PUT /admin/status'")[0].int(0)
            #expect(denied == 1)
            await fixture.stop()
        }
    }

    @Test("the OpenAPI document describes exactly the admin routes and their methods")
    func documented() throws {
        let text = String(decoding: try #require(OpenAPIRoute.document), as: UTF8.self)
        // Paths are the document's two-space keys, operations its four-space method keys.
        var documented: [String: Set<String>] = [:]
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
            } else if line.hasPrefix("  "), !line.hasPrefix("   ") {
                current = nil
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":") {
                let key = String(line.dropFirst(4).dropLast())
                if Self.methods.contains(key.uppercased()) { documented[path, default: []].insert(key.uppercased()) }
            }
        }
        documented = documented.filter { $0.key.hasPrefix("/admin/") }

        // The routes, with `:action` spelt out as the document does.
        var routes: [String: Set<String>] = [:]
        for (path, methods) in AdminRoutes.allowedMethods {
            let names = path.hasSuffix("/:action") ? HostAction.allCases.map { path.replacingOccurrences(of: ":action", with: $0.rawValue) } : [path]
            for name in names {
                let openAPIPath = "/admin/" + name.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
                    .joined(separator: "/")
                routes[openAPIPath] = Set(methods.map { "\($0)" })
            }
        }
        #expect(documented.count == 16)
        #expect(documented == routes)
    }
}
