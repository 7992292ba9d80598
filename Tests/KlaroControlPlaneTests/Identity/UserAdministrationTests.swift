import Foundation
@testable import KlaroControlPlane
import KlaroCore
import KlaroPostgres
import KlaroCrypto
import KlaroTestSupport
import Testing

@Suite("Operator user commands: list, disable, enable, reset-password", .serialized)
struct UserAdministrationTests {
    @Test("disable ends sessions at once and API tokens at the next recheck; enable restores log-in; both audited")
    func disableEnable() async throws {
        try await APIServer.with(configure: { $0.identity.userRecheckInterval = 0 }) { server in
            let session = try await server.newUser("ops-target@example.com")
            let admin = UserAdministration(pool: server.pool, actor: "cli:tester")
            let listed = try await admin.list()
            #expect(listed.count == 1)
            #expect(listed[0].email == "ops-target@example.com" && listed[0].builtIn && !listed[0].disabled && listed[0].liveSessions == 1)

            try await admin.setDisabled(email: "OPS-target@example.com", true)
            #expect(try await server.refresh(session.refreshToken).status == 400)
            #expect(try await server.call("GET", "/api/accounts", token: session.accessToken).status == 403)
            #expect(try await server.logIn("ops-target@example.com", "correct horse battery").code == "user_banned")
            #expect(try await admin.list()[0].disabled)
            #expect(try await admin.list()[0].liveSessions == 0)

            try await admin.setDisabled(email: "ops-target@example.com", false)
            let again = try await server.logIn("ops-target@example.com", "correct horse battery")
            #expect(again.status == 200)
            #expect(try await server.call("GET", "/api/accounts", token: try Session(again).accessToken).status == 200)

            let audit = try await server.pool.query("SELECT actor, action, target FROM admin_audit ORDER BY id")
            #expect(try audit.map { try $0.string(1) } == ["user.disable", "user.enable"])
            #expect(try audit.allSatisfy { try $0.string(0) == "cli:tester" && $0.string(2) == session.userID.uuidString.lowercased() })
            await #expect(throws: UserAdministration.Failure.unknownEmail) { try await admin.setDisabled(email: "nobody@example.com", true) }
        }
    }

    @Test("reset-password gives a new password that works once printed, and ends every session")
    func resetPassword() async throws {
        try await APIServer.with { server in
            let session = try await server.newUser("forgetful@example.com")
            let admin = UserAdministration(pool: server.pool, actor: "cli:tester")
            let password = try await admin.resetPassword(email: "forgetful@example.com", hasher: PasswordHasher(memoryKiB: 256, iterations: 1, lanes: 1))
            #expect(password.reveal.count == 20)
            #expect(try await server.refresh(session.refreshToken).code == "session_revoked")
            #expect(try await server.logIn("forgetful@example.com", "correct horse battery").code == "invalid_credentials")
            #expect(try await server.logIn("forgetful@example.com", password.reveal).status == 200)
            let audit = try await server.pool.query("SELECT action, after::text FROM admin_audit")
            #expect(try audit.map { try $0.string(0) } == ["user.reset_password"])
            #expect(try !audit[0].string(1).contains(password.reveal))

            // A Supabase user (known only from a token) has no password here.
            let supabaseUser = TestJWT.user()
            let token = TestJWT.make(sub: supabaseUser.id.uuidString, extra: ["email": "supa@example.com"])
            #expect(try await server.call("GET", "/api/accounts", token: token).status == 200)
            await #expect(throws: UserAdministration.Failure.notBuiltIn) { try await admin.resetPassword(email: "supa@example.com") }
        }
    }
}
