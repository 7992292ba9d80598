import Testing
@testable import KlaroCrypto

@Test func moduleLinks() {
    #expect(Bool(true))
}
