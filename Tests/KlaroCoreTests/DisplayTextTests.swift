import KlaroCore
import Testing

@Suite("Display text")
struct DisplayTextTests {
    @Test("control characters and every bidirectional embedding, override and isolate are hidden effects",
          arguments: Array(0x202A...0x202E) + Array(0x2066...0x2069) + [0x00, 0x09, 0x0A, 0x1B, 0x7F, 0x85])
    func refused(scalar: Int) throws {
        let character = try #require(Unicode.Scalar(UInt32(scalar)))
        #expect(DisplayText.hasHiddenEffects("Broker\(Character(character))Demo"), "U+\(String(scalar, radix: 16))")
    }

    @Test("ordinary names in any script, and marks that only set direction, are allowed",
          arguments: ["Broker-Demo", "ICMarketsSC-MT5-2", "Счёт 1", "حساب رئيسي", "口座 🚀", "a\u{200E}b", "a\u{061C}b", ""])
    func allowed(text: String) {
        #expect(!DisplayText.hasHiddenEffects(text))
    }
}
