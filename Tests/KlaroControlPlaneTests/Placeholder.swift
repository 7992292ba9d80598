import Testing
@testable import KlaroControlPlane

@Test func moduleLinks() {
    #expect(Bool(true))
}
