import Testing
@testable import KlaroCrypto

/// RFC 5869 appendix A, test cases 1–3 (HKDF-SHA256); only the OKM is checked.
@Suite("HKDF-SHA256 (RFC 5869)")
struct HKDFTests {
    @Test("test case 1: basic")
    func case1() throws {
        let okm = try HKDF.sha256(
            inputKeyMaterial: SecretBytes(copying: [UInt8](repeating: 0x0b, count: 22)),
            salt: bytes(hex: "000102030405060708090a0b0c"), info: bytes(hex: "f0f1f2f3f4f5f6f7f8f9"),
            outputByteCount: 42)
        #expect(hex(okm) == "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    }

    @Test("test case 2: longer inputs and output")
    func case2() throws {
        let okm = try HKDF.sha256(
            inputKeyMaterial: SecretBytes(copying: Array(UInt8(0x00)...UInt8(0x4f))),
            salt: Array(UInt8(0x60)...UInt8(0xaf)), info: Array(UInt8(0xb0)...UInt8(0xff)),
            outputByteCount: 82)
        #expect(hex(okm) == """
            b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c\
            59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71\
            cc30c58179ec3e87c14c01d5c1f3434f1d87
            """)
    }

    @Test("test case 3: empty salt and info")
    func case3() throws {
        let okm = try HKDF.sha256(
            inputKeyMaterial: SecretBytes(copying: [UInt8](repeating: 0x0b, count: 22)),
            salt: [], info: [], outputByteCount: 42)
        #expect(hex(okm) == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    }

    @Test("an output longer than 255 hash lengths is refused")
    func outputLimit() {
        #expect(throws: CryptoPrimitiveError.self) {
            try HKDF.sha256(
                inputKeyMaterial: SecretBytes(copying: [1]), salt: [], info: [], outputByteCount: 255 * 32 + 1)
        }
    }
}
