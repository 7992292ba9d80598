import Testing
@testable import KlaroRedis

@Test func moduleLinks() {
    #expect(Bool(true))
}
