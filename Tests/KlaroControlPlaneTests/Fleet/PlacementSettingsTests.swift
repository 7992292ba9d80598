import Foundation
import KlaroControlPlane
import KlaroCore
import KlaroCrypto
import KlaroPostgres
import KlaroTestSupport
import Testing
@testable import KlaroControlPlane

@Suite("Fleet: placement settings")
struct PlacementSettingsTests {
    static let environment = [
        "KLARO_DATABASE_URL": "postgresql://klaro@127.0.0.1:5432/klaro",
        "KLARO_REDIS_URL": "redis://127.0.0.1:6379/0",
        "KLARO_ADMIN_TOKEN": "admin-token-0123456789abcdef",
        "KLARO_JWT_SECRET": "jwt-secret-0123456789abcdef0123456789",
        "KLARO_CREDENTIAL_KEYS": try! KeyRing.generateEntry(id: "k1"),
    ]

    @Test("KLARO_PLACEMENT_AFFINITY sets broker affinity (off by default); a bad value is named")
    func affinitySetting() throws {
        let defaults = try KlaroConfiguration.load(environment: Self.environment, requiring: .everything)
        #expect(defaults.sync.placementAffinity == 0)
        let set = try KlaroConfiguration.load(
            environment: Self.environment.merging(["KLARO_PLACEMENT_AFFINITY": "9", "KLARO_PLACEMENT_EPSILON": "0.1"]) { $1 },
            requiring: .everything)
        #expect(set.sync.placementAffinity == 9)
        for bad in ["-1", "lots", "inf"] {
            #expect(throws: ConfigurationError.self) {
                try KlaroConfiguration.load(environment: Self.environment.merging(["KLARO_PLACEMENT_AFFINITY": bad]) { $1 },
                                            requiring: .everything)
            }
        }
        #expect(ConfigurationKey.all.contains("KLARO_PLACEMENT_AFFINITY"))
    }

    @Test("KLARO_PLACEMENT_LOGIN_GAIN sets login affinity (0.2 by default, 0 = off); a bad value is named")
    func loginGainSetting() throws {
        let defaults = try KlaroConfiguration.load(environment: Self.environment, requiring: .everything)
        #expect(defaults.sync.placementLoginGain == 0.2)
        let off = try KlaroConfiguration.load(
            environment: Self.environment.merging(["KLARO_PLACEMENT_LOGIN_GAIN": "0"]) { $1 }, requiring: .everything)
        #expect(off.sync.placementLoginGain == 0)
        for bad in ["-0.1", "1", "fast"] {
            #expect(throws: ConfigurationError.self) {
                try KlaroConfiguration.load(environment: Self.environment.merging(["KLARO_PLACEMENT_LOGIN_GAIN": bad]) { $1 },
                                            requiring: .everything)
            }
        }
        #expect(ConfigurationKey.all.contains("KLARO_PLACEMENT_LOGIN_GAIN"))
    }

    @Test("klarod places with the configured ε and affinity: one broker's accounts gather on one host")
    func affinityInPlacement() async throws {
        try await withTestDatabase { database in
            var settings = adminSettings()
            settings.placementAffinity = 40
            settings.placementEpsilon = 3
            let fixture = try await PipelineFixture.start(database, settings: settings)
            let placer = fixture.klarod.controlPlane.fleetMonitor.placer
            #expect(placer.options == PlacementOptions(epsilon: 3, affinityWeight: 40))
            for host in ["h1", "h2", "h3", "h4"] { try await insertHost(fixture.pool, host, slots: 2) }
            _ = try await TestFleet.createAccounts(fixture.pool, vault: fixture.vault, count: 60, server: "Broker-A")
            try await fixture.refreshFleet()
            let hosts = try await fixture.pool.query("""
                SELECT assigned_host, count(*) FROM account_schedule GROUP BY 1 ORDER BY 2 DESC
                """).map { (try $0.string(0), try $0.int(1)) }
            // With α = 40 and 4 hosts, about (1+α)/(α+4) ≈ 91 % of one server's accounts share a host.
            #expect(hosts.first!.1 >= 45, "\(hosts)")
            await fixture.stop()
        }
    }
}
