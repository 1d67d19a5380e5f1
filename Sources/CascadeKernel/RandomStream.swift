/// SplitMix64: a tiny generator used only to expand one 64-bit seed into a larger state.
///
/// Sebastiano Vigna's recommendation for seeding the xoshiro family: consecutive outputs
/// of SplitMix64 are well mixed even from seeds like 0, 1, 2.
public struct SplitMix64: Sendable {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    @inlinable
    public mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        return StableHash.mix64(state)
    }
}

/// One agent's own random stream: xoshiro256** (Blackman and Vigna, 2018).
///
/// Why our own generator: the standard library's `random(in:)`, `shuffle()` and
/// the system generator are either seeded by the system or free to change between
/// Swift versions. A run must be reproducible from its seed alone, on any machine.
///
/// Streams are derived from `(root seed, stable name)`, never drawn in sequence, so adding
/// an agent leaves every other agent's draws unchanged. That gives *common random numbers*
/// across the points of a sweep: seed 7 of every point sees the same market path.
///
/// ```swift
/// var random = RandomStream(seed: 42, name: "keeper-3")
/// let delayMs = random.exponential(mean: 250)
/// ```
///
/// Every draw is O(1) except the rejection loops (expected < 2 iterations).
public struct RandomStream: Sendable, Hashable {
    @usableFromInline var s0: UInt64
    @usableFromInline var s1: UInt64
    @usableFromInline var s2: UInt64
    @usableFromInline var s3: UInt64

    /// The stream for `name` under `seed`.
    ///
    /// The state is four outputs of SplitMix64 seeded with
    /// `mix64(seed) ^ fnv1a64(name)`; see docs/determinism.md.
    public init(seed: UInt64, name: String) {
        self.init(seed: StableHash.mix64(seed) ^ StableHash.fnv1a64(name))
    }

    /// A stream from a single 64-bit seed, expanded by SplitMix64.
    public init(seed: UInt64) {
        var expander = SplitMix64(state: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
        // xoshiro's only forbidden state is all zeros; SplitMix64 cannot output four zeros
        // in a row, but say so rather than trust it silently.
        precondition(s0 | s1 | s2 | s3 != 0, "xoshiro256** state must not be all zero")
    }

    /// A stream with its raw state words, for tests against the reference implementation.
    public init(state s0: UInt64, _ s1: UInt64, _ s2: UInt64, _ s3: UInt64) {
        precondition(s0 | s1 | s2 | s3 != 0, "xoshiro256** state must not be all zero")
        (self.s0, self.s1, self.s2, self.s3) = (s0, s1, s2, s3)
    }

    /// The next 64 uniformly distributed bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let shifted = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= shifted
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// Masking shifts (the amounts are 7 and 45, so the same bits as `<<` and `>>`): the
    /// smart shifts' range checks kept this a call, twice a draw (1% of the chain
    /// benchmark); now it is one rotate instruction.
    @inlinable @inline(__always)
    func rotateLeft(_ value: UInt64, _ amount: UInt64) -> UInt64 {
        (value &<< amount) | (value &>> (64 &- amount))
    }
}

extension RandomStream {
    /// An unbiased integer in `0..<bound` (Lemire's multiply-and-reject method).
    ///
    /// Precondition: `bound > 0`.
    @inlinable
    public mutating func uniformInt(below bound: UInt64) -> UInt64 {
        precondition(bound > 0, "uniformInt(below:) needs a positive bound")
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            // Values of `low` below 2^64 mod bound would over-represent some results.
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return product.high
    }

    /// An unbiased integer in `range`.
    @inlinable
    public mutating func uniformInt(in range: ClosedRange<Int64>) -> Int64 {
        let span = UInt64(bitPattern: range.upperBound &- range.lowerBound)
        if span == .max {
            return Int64(bitPattern: next())
        }
        return range.lowerBound &+ Int64(bitPattern: uniformInt(below: span &+ 1))
    }

    /// A uniform `Double` in `[0, 1)` with 53 random bits.
    @inlinable
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform `Double` in `[lower, upper)`.
    @inlinable
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * uniform()
    }

    /// An exponential variate with the given mean (inversion: `-mean · ln(1 − U)`).
    ///
    /// Uses `DeterministicMath.log`, not the platform's `log`, so the bits are the same on
    /// every machine.
    @inlinable
    public mutating func exponential(mean: Double) -> Double {
        -mean * DeterministicMath.log(1.0 - uniform())
    }

    /// A normal variate (Marsaglia's polar method; the second value of each pair is
    /// discarded so the stream holds no hidden state).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * DeterministicMath.log(s) / s).squareRoot()
                return mean + standardDeviation * u * factor
            }
        }
    }

    /// True with probability exactly `numerator / denominator`.
    ///
    /// Precondition: `denominator > 0`, `numerator <= denominator`.
    @inlinable
    public mutating func bernoulli(numerator: UInt64, denominator: UInt64) -> Bool {
        precondition(numerator <= denominator, "bernoulli: numerator above denominator")
        return uniformInt(below: denominator) < numerator
    }

    /// An index picked with probability proportional to its integer weight.
    ///
    /// Precondition: at least one weight is positive and the sum fits in 64 bits.
    /// O(n) in the number of weights.
    public mutating func pick(weights: [UInt64]) -> Int {
        var total: UInt64 = 0
        for weight in weights {
            let (sum, overflow) = total.addingReportingOverflow(weight)
            precondition(!overflow, "pick(weights:): total weight overflows 64 bits")
            total = sum
        }
        precondition(total > 0, "pick(weights:) needs a positive weight")
        var target = uniformInt(below: total)
        for (index, weight) in weights.enumerated() {
            if target < weight {
                return index
            }
            target -= weight
        }
        preconditionFailure("unreachable: target below total weight")
    }

    /// Shuffles `elements` in place (Fisher–Yates, from the last element down).
    public mutating func shuffle<Elements: MutableCollection & RandomAccessCollection>(
        _ elements: inout Elements
    ) {
        let count = elements.count
        guard count > 1 else { return }
        for offset in stride(from: count - 1, to: 0, by: -1) {
            let other = Int(uniformInt(below: UInt64(offset + 1)))
            let first = elements.index(elements.startIndex, offsetBy: offset)
            let second = elements.index(elements.startIndex, offsetBy: other)
            elements.swapAt(first, second)
        }
    }
}
