import Testing
@testable import KlaroPostgres

@Test func moduleLinks() {
    #expect(Bool(true))
}
