/// A seeded pseudo-random generator: xoshiro256** seeded through SplitMix64.
///
/// Every random draw in training and sampling goes through this type, so a run is reproducible for a
/// given seed (and thread count: kernels never consume randomness from worker threads). Its state is
/// four words, exposed for checkpoints.
public struct RNG: Sendable, Equatable, RandomNumberGenerator {
    /// The xoshiro256** state; never all zero.
    public var state: (UInt64, UInt64, UInt64, UInt64)

    /// Seeds the generator; distinct seeds give independent-looking streams.
    public init(seed: UInt64) {
        // SplitMix64 expands one word into four well-mixed ones, as the xoshiro authors recommend.
        var s = seed
        func splitmix() -> UInt64 {
            s &+= 0x9E37_79B9_7F4A_7C15
            var z = s
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        state = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    /// Restores a generator from a saved ``words`` array of four values.
    public init?(words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    /// The state as four words, for checkpoints.
    public var words: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// Equal when the states are (tuples are not Equatable, so this compares the words).
    public static func == (lhs: RNG, rhs: RNG) -> Bool { lhs.words == rhs.words }

    /// Next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotl(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotl(state.3, 45)
        return result
    }

    /// Uniform in [0, 1) with 24 bits of precision (every value exactly representable as Float).
    public mutating func nextFloat() -> Float { Float(next() >> 40) * (1.0 / 16_777_216.0) }

    /// Uniform in [0, 1) with 53 bits of precision.
    public mutating func nextDouble() -> Double { Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0) }

    /// A standard normal draw (Box–Muller; the second value of the pair is discarded so the stream
    /// position depends only on the number of calls).
    public mutating func normal() -> Float {
        let u1 = max(nextDouble(), Double.leastNonzeroMagnitude)
        let u2 = nextDouble()
        return Float((-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2))
    }

    /// Fills `count` floats at `out` with N(0, std²) draws.
    public mutating func fillNormal(_ out: UnsafeMutablePointer<Float>, count: Int, std: Float) {
        for i in 0..<count { out[i] = normal() * std }
    }

    private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}
