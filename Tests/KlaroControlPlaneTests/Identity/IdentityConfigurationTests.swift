import Foundation
@testable import KlaroControlPlane
import KlaroCore
import Testing

@Suite("Identity configuration")
struct IdentityConfigurationTests {
    let complete = ConfigurationTests.complete

    @Test("built-in by default, with the issuer from the public URL or the HTTP address")
    func builtInDefaults() throws {
        let configuration = try KlaroConfiguration.load(environment: complete, requiring: .everything)
        #expect(configuration.identity.mode == .builtIn)
        #expect(configuration.identity.issuer == "http://127.0.0.1:8080/auth/v1")
        #expect(configuration.identity.accessTokenLifetime == 3600)
        #expect(configuration.identity.sessionIdleTimeout == 30 * 86_400)
        #expect(configuration.trustedProxies.isEmpty)
        var environment = complete
        environment["KLARO_PUBLIC_URL"] = "https://klaro.example.com/"
        environment["KLARO_SESSION_IDLE_TIMEOUT"] = "168h"
        environment["KLARO_TRUSTED_PROXIES"] = "10.0.0.1, fd00::/8"
        let custom = try KlaroConfiguration.load(environment: environment, requiring: .everything)
        #expect(custom.identity.issuer == "https://klaro.example.com/auth/v1")
        #expect(custom.identity.sessionIdleTimeout == 7 * 86_400)
        #expect(custom.trustedProxies == IPNetwork.parseList("10.0.0.1, fd00::/8").networks)
    }

    @Test("Supabase mode: the project's issuer; the JWT secret becomes optional")
    func supabaseMode() throws {
        var environment = complete
        environment["KLARO_JWT_SECRET"] = nil
        environment["KLARO_SUPABASE_URL"] = "https://abcd.supabase.co"
        let configuration = try KlaroConfiguration.load(environment: environment, requiring: .everything)
        #expect(configuration.identity.mode == .supabase(url: "https://abcd.supabase.co", jwksFile: nil))
        #expect(configuration.identity.issuer == "https://abcd.supabase.co/auth/v1")
        #expect(configuration.jwtSecret.isEmpty)
    }

    @Test("bad identity settings are each named")
    func problems() {
        var environment = complete
        environment["KLARO_SUPABASE_URL"] = "abcd.supabase.co"
        environment["KLARO_TRUSTED_PROXIES"] = "10.0.0.0/40"
        environment["KLARO_PUBLIC_URL"] = "klaro.example.com"
        environment["KLARO_ACCESS_TOKEN_LIFETIME"] = "5s"
        do {
            _ = try KlaroConfiguration.load(environment: environment, requiring: .everything)
            Issue.record("must be refused")
        } catch {
            #expect(Set(error.problems.map(\.key)) == [
                "KLARO_SUPABASE_URL", "KLARO_TRUSTED_PROXIES", "KLARO_PUBLIC_URL", "KLARO_ACCESS_TOKEN_LIFETIME",
            ])
        }
        var fileOnly = complete
        fileOnly["KLARO_SUPABASE_JWKS_FILE"] = "/etc/klaro/jwks.json"
        #expect(throws: ConfigurationError.self) { try KlaroConfiguration.load(environment: fileOnly, requiring: .everything) }
    }
}
