import Testing
@testable import KlaroTelemetry

@Test func moduleLinks() {
    #expect(Bool(true))
}
