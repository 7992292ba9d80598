import Foundation

/// A small seeded random number generator (SplitMix64): the same seed gives the same sequence
/// on every platform. For jitter in tests and benchmarks, and anywhere a reproducible random
/// source is wanted; not for secrets.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// Creates a generator whose sequence is fixed by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return StableHash.mix(state)
    }
}
