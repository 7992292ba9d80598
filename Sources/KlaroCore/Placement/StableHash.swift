import Foundation

/// Hash functions whose values never change between runs, processes or platforms.
///
/// Placement must give the same answer on every klarod replica and after every restart, so it
/// cannot use Swift's `Hasher` (seeded per process). These are plain integer mixes: FNV-1a over
/// UTF-8 bytes for strings and the SplitMix64 finalizer for mixing.
public enum StableHash {
    /// The SplitMix64 finalizer: a bijective 64-bit mix with full avalanche.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A mixed 64-bit hash of a string's UTF-8 bytes (FNV-1a, then ``mix(_:)``).
    public static func hash(_ string: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in string.utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return mix(h)
    }

    /// A mixed 64-bit hash of a UUID's 16 bytes.
    public static func hash(_ uuid: UUID) -> UInt64 {
        let (high, low) = halves(of: uuid)
        return hash(high: high, low: low)
    }

    /// A mixed 64-bit hash of a 128-bit value given as two halves (see ``halves(of:)``).
    @inlinable
    public static func hash(high: UInt64, low: UInt64) -> UInt64 {
        mix(high ^ mix(low ^ 0x9E37_79B9_7F4A_7C15))
    }

    /// A UUID's bytes as two big-endian 64-bit integers; comparing the pairs orders UUIDs by
    /// their bytes.
    public static func halves(of uuid: UUID) -> (high: UInt64, low: UInt64) {
        let b = uuid.uuid
        let high = UInt64(b.0) << 56 | UInt64(b.1) << 48 | UInt64(b.2) << 40 | UInt64(b.3) << 32
            | UInt64(b.4) << 24 | UInt64(b.5) << 16 | UInt64(b.6) << 8 | UInt64(b.7)
        let low = UInt64(b.8) << 56 | UInt64(b.9) << 48 | UInt64(b.10) << 40 | UInt64(b.11) << 32
            | UInt64(b.12) << 24 | UInt64(b.13) << 16 | UInt64(b.14) << 8 | UInt64(b.15)
        return (high, low)
    }

    /// Maps a hash to a uniform number in the open interval (0, 1), never 0 or 1: the top 52
    /// bits plus one half, so that every value and its complement are exact doubles.
    @inlinable
    public static func unitInterval(_ hash: UInt64) -> Double {
        (Double(hash >> 12) + 0.5) * 0x1p-52
    }
}
