import Testing
@testable import KlaroCore

@Test func moduleLinks() {
    #expect(Bool(true))
}
