import Foundation
import Testing
import KlaroCore

@Suite struct StableHashTests {
    @Test func splitMixMatchesTheReferenceSequence() {
        // SplitMix64 with seed 0 (Vigna's reference implementation).
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xE220_A839_7B1D_CDAF)
        #expect(rng.next() == 0x6E78_9E6A_A1B9_65F4)
        #expect(rng.next() == 0x06C4_5D18_8009_454F)
    }

    @Test func stringHashIsFNV1aThenMixed() {
        // FNV-1a of "a" is 0xAF63DC4C8601EC8C; of "" the offset basis.
        #expect(StableHash.hash("a") == StableHash.mix(0xAF63_DC4C_8601_EC8C))
        #expect(StableHash.hash("") == StableHash.mix(0xCBF2_9CE4_8422_2325))
        #expect(StableHash.hash("host-1") != StableHash.hash("host-2"))
    }

    @Test func uuidHalvesAreBigEndian() throws {
        let uuid = try #require(UUID(uuidString: "00112233-4455-6677-8899-AABBCCDDEEFF"))
        let (high, low) = StableHash.halves(of: uuid)
        #expect(high == 0x0011_2233_4455_6677)
        #expect(low == 0x8899_AABB_CCDD_EEFF)
        #expect(StableHash.hash(uuid) == StableHash.hash(high: high, low: low))
    }

    @Test func unitIntervalIsOpen() {
        for value: UInt64 in [0, 1, 1 << 11, .max, .max - 1] {
            let u = StableHash.unitInterval(value)
            #expect(u > 0 && u < 1)
        }
    }
}
