import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("Auth-failure lockout: client address, trusted proxies, IPv6 /64", .serialized)
struct LockoutTests {
    @Test("without trusted proxies X-Forwarded-For is ignored: a new header does not escape the lockout")
    func untrustedHeader() async throws {
        try await APIServer.with(configure: { $0.authFailureLimit = 2 }) { server in
            for index in 0..<2 {
                let reply = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "198.51.100.\(index)"])
                #expect(reply.status == 401)
            }
            let locked = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "203.0.113.9"])
            #expect(locked.status == 429)
            // The admin audit log records the peer, as the limiter charged it.
            _ = try await server.call("GET", "/admin/fleet", token: "wrong", headers: ["X-Forwarded-For": "203.0.113.9"])
            let address = try await server.pool.query("SELECT remote_addr FROM admin_audit ORDER BY id DESC LIMIT 1")[0].string(0)
            #expect(address == "127.0.0.1")
        }
    }

    @Test("behind a trusted proxy each client has its own budget, and the audit log names the same client")
    func trustedProxy() async throws {
        try await APIServer.with(configure: {
            $0.authFailureLimit = 2
            $0.trustedProxies = IPNetwork.parseList("127.0.0.1").networks
        }) { server in
            for _ in 0..<2 {
                #expect(try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "198.51.100.7"]).status == 401)
            }
            #expect(try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "198.51.100.7"]).status == 429)
            // A client's own spoofed entry, left of the proxy's, changes nothing.
            let spoofed = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "1.1.1.1, 198.51.100.7"])
            #expect(spoofed.status == 429)
            #expect(try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "198.51.100.8"]).status == 401)

            _ = try await server.call("GET", "/admin/fleet", token: "wrong", headers: ["X-Forwarded-For": "198.51.100.20"])
            let address = try await server.pool.query("SELECT remote_addr FROM admin_audit ORDER BY id DESC LIMIT 1")[0].string(0)
            #expect(address == "198.51.100.20")
        }
    }

    @Test("IPv6 clients share one budget per /64")
    func ipv6Prefix() async throws {
        try await APIServer.with(configure: {
            $0.authFailureLimit = 2
            $0.trustedProxies = IPNetwork.parseList("127.0.0.1").networks
        }) { server in
            for suffix in ["1", "2"] {
                let reply = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "2001:db8:5:6::\(suffix)"])
                #expect(reply.status == 401)
            }
            let sameNetwork = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "2001:db8:5:6:ffff::3"])
            #expect(sameNetwork.status == 429)
            let otherNetwork = try await server.call("GET", "/api/accounts", token: "bad", headers: ["X-Forwarded-For": "2001:db8:5:7::1"])
            #expect(otherNetwork.status == 401)
        }
    }
}
