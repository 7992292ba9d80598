import Foundation
import KlaroControlPlane
import KlaroPostgres
import KlaroTestSupport
import Testing

@Suite("klaro_hosts gauge")
struct HostGaugeTests {
    @Test("hosts are counted by state; an admitted host without a live slot is dead")
    func hostsByState() async throws {
        try await withTestDatabase { database in
            let fixture = try await PipelineFixture.start(database)
            try await fixture.pool.execute("""
                INSERT INTO worker_hosts (host_id, admin_state, public_key, approved_key) VALUES
                    ('a1', 'active', 'k', 'k'), ('a2', 'active', 'k', 'k'), ('p1', 'pending', 'k', NULL),
                    ('r1', 'refused', 'new', 'old'), ('d1', 'draining', 'k', 'k')
                """)
            try await fixture.pool.execute("""
                INSERT INTO terminal_slots (host_id, slot, state, last_heartbeat_at) VALUES
                    ('a1', 1, 'idle', now()), ('a2', 1, 'dead', now() - interval '1 hour'), ('d1', 1, 'busy', now())
                """)
            try await fixture.klarod.controlPlane.statusReporter.report()
            let text = try await TestHTTP.get(fixture.klarod.baseURL + "/metrics").text
            for (state, count) in [("active", 1), ("dead", 1), ("pending", 1), ("refused", 1), ("draining", 1), ("cordoned", 0)] {
                #expect(text.contains("klaro_hosts{state=\"\(state)\"} \(count).0"), "\(state)")
            }
            await fixture.stop()
        }
    }
}
