import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Admin API: input held to the OpenAPI document")
struct AdminInputTests {
    @Test("an optional body is empty or a JSON object: whitespace alone is refused with 400 and changes nothing")
    func whitespaceBody() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            try await insertHost(fixture.pool, "h1")
            let headers = ["Authorization": "Bearer \(fixture.klarod.adminToken)", "Content-Type": "application/json"]
            for body in ["\r", " \n\t"] {
                for path in ["/admin/hosts/h1/cordon", "/admin/rebalance"] {
                    let reply = try await TestHTTP.request("POST", fixture.klarod.baseURL + path, headers: headers, body: Data(body.utf8))
                    #expect(reply.status == 400, "\(path) with \(body.debugDescription)")
                    #expect(try reply.json()["code"] as? String == "bad_request")
                }
            }
            #expect(try await fixture.hostView("h1")["admin_state"] as? String == "active")
            #expect(try await fixture.auditEntries(action: "placement.rebalance").isEmpty)

            // No body at all keeps the defaults.
            let empty = try await TestHTTP.request("POST", fixture.klarod.baseURL + "/admin/hosts/h1/cordon", headers: headers)
            #expect(empty.status == 200)
            #expect(try empty.json()["admin_state"] as? String == "cordoned")
            await fixture.stop()
        }
    }

    @Test("audit filters are at most 200 code points, as maxLength counts them, not 200 grapheme clusters")
    func filterLength() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database, settings: adminSettings())
            // 150 "é" written as e + combining acute: 150 characters for Swift, 300 code points.
            let combined = String(repeating: "e\u{301}", count: 150)
            let plain = String(repeating: "e", count: 200)
            for (value, status) in [(combined, 422), (plain, 200), (plain + "e", 422)] {
                let query = try #require(value.addingPercentEncoding(withAllowedCharacters: .alphanumerics))
                for name in ["action", "target"] {
                    let reply = try await fixture.admin("GET", "/admin/audit?\(name)=\(query)")
                    #expect(reply.status == status, "\(name) of \(value.unicodeScalars.count) code points")
                }
            }
            await fixture.stop()
        }
    }
}
