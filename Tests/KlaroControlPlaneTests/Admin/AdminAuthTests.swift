import Foundation
import HTTPTypes
import Hummingbird
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import NIOCore
import Testing
@testable import KlaroControlPlane

@Suite("Admin API: bearer token")
struct AdminAuthTests {
    @Test("no token or a wrong one: 401, nothing changes, and the attempt is audited without the token")
    func refused() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            let wrongToken = "wrong-token-0123456789abcdefghij"
            let attempts: [(String, String, String?)] = [
                ("POST", "/admin/hosts/h1/drain", ""),                 // no Authorization header
                ("POST", "/admin/hosts/h1/drain", wrongToken),         // wrong token
                ("POST", "/admin/hosts/h1/cordon", fixture.klarod.adminToken + "x"),  // right prefix, longer
                ("GET", "/admin/fleet", String(fixture.klarod.adminToken.dropLast())),  // right prefix, shorter
            ]
            for (method, path, token) in attempts {
                let reply = try await fixture.admin(method, path, token: token)
                #expect(reply.status == 401, "\(method) \(path)")
                let problem = try reply.json()
                #expect(problem["code"] as? String == "unauthorized")
                #expect(reply.header("WWW-Authenticate")?.hasPrefix("Bearer") == true)
                #expect(reply.header("Content-Type") == "application/problem+json")
            }
            // A malformed header is no token either.
            let basic = try await TestHTTP.request("POST", fixture.klarod.baseURL + "/admin/hosts/h1/drain",
                                                   headers: ["Authorization": "Basic \(fixture.klarod.adminToken)"])
            #expect(basic.status == 401)

            // Nothing changed.
            #expect(try await fixture.pool.query("SELECT admin_state FROM worker_hosts WHERE host_id = 'h1'")[0].string(0) == "active")

            // Every attempt is in the audit log: denied, with method and path, peer address, no token.
            let rows = try await fixture.pool.query("""
                SELECT actor, action, target, result, remote_addr, coalesce(before::text, ''), coalesce(after::text, '')
                FROM admin_audit ORDER BY id
                """)
            #expect(rows.count == 5)
            #expect(try rows.map { try $0.string(1) } == Array(repeating: "auth", count: 5))
            #expect(try rows.map { try $0.string(3) } == Array(repeating: "denied", count: 5))
            #expect(try rows.map { try $0.string(2) } == [
                "POST /admin/hosts/h1/drain", "POST /admin/hosts/h1/drain", "POST /admin/hosts/h1/cordon", "GET /admin/fleet",
                "POST /admin/hosts/h1/drain",
            ])
            #expect(try rows.allSatisfy { try $0.string(4) == "127.0.0.1" })
            let everything = try await fixture.pool.query("SELECT string_agg(a::text, ' ') FROM admin_audit a")[0].string(0)
            #expect(!everything.contains(fixture.klarod.adminToken.prefix(12)))
            #expect(!everything.contains(wrongToken))

            // The right token works, with a claimed actor recorded as such.
            let reply = try await fixture.admin("POST", "/admin/hosts/h1/cordon", headers: ["X-Klaro-Actor": "alice@laptop"])
            #expect(reply.status == 200)
            let entry = try #require(try await fixture.auditEntries(action: "host.cordon").first)
            #expect(entry["actor"] as? String == "admin:alice@laptop")
            #expect(entry["result"] as? String == "ok")
            await fixture.stop()
        }
    }

    @Test("the Authorization header is parsed strictly; actor names are sanitised")
    func parsing() {
        #expect(AdminAuthMiddleware.bearerToken("Bearer abc") == "abc")
        #expect(AdminAuthMiddleware.bearerToken("bearer   abc ") == "abc")
        #expect(AdminAuthMiddleware.bearerToken("Bearer") == nil)
        #expect(AdminAuthMiddleware.bearerToken("Bearer ") == nil)
        #expect(AdminAuthMiddleware.bearerToken("Token abc") == nil)
        #expect(AdminAuthMiddleware.bearerToken(nil) == nil)

        func actor(_ claimed: String?) -> String {
            var fields = HTTPFields()
            if let claimed { fields[AdminAuthMiddleware.actorHeader] = claimed }
            let head = HTTPRequest(method: .post, scheme: "http", authority: "klarod", path: "/admin/rebalance", headerFields: fields)
            return AdminAuthMiddleware.actor(Request(head: head, body: RequestBody(buffer: ByteBuffer())))
        }
        #expect(actor("alice@laptop") == "admin:alice@laptop")
        #expect(actor("ci-bot_2.eu") == "admin:ci-bot_2.eu")
        #expect(actor(String(repeating: "a", count: 64)) == "admin:" + String(repeating: "a", count: 64))
        for unsafe in [nil, "", "alice laptop", "alice;drop", "ålice", "a/b", String(repeating: "a", count: 65)] {
            #expect(actor(unsafe) == "admin", "\(unsafe ?? "no header")")
        }
    }
}
