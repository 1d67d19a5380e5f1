import CascadeKernel

/// Elementary functions for the off-chain demand model, from IEEE-754 `+ − × ÷` only.
///
/// The platform's `exp` may differ in the last bit between machines; a demand draw that
/// becomes a wei price must not. `log` comes from the kernel's `DeterministicMath`.
/// `exp` is public so agents' samplers (log-normal latencies) share the same bits.
public enum ChainMath {
    @usableFromInline static let ln2High = 6.931_471_803_691_238_164_90e-01
    @usableFromInline static let ln2Low = 1.908_214_929_270_587_700_02e-10

    /// e^x for finite `x`; 0 below −745, +infinity above 709.
    ///
    /// Method: `x = k·ln 2 + r` with `|r| ≤ ln2/2`, `e^r` by its Taylor series to degree 13
    /// (truncation below 5e-18 relative), in Horner form with the coefficients `1/n!` as
    /// constants, then scale by `2^k` exactly. Only `+ − × ÷`, so every machine gets the
    /// same bits; it runs in about 20 multiply-adds, where an earlier form divided by `n`
    /// at each of 20 steps (a fifth of the chain benchmark's time went to its latency draws).
    @inlinable
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x > 709.7 { return .infinity }
        if x < -745 { return 0 }
        let k = roundedToNearest(x / (ln2High + ln2Low))
        let r = (x - k * ln2High) - k * ln2Low
        var sum = 1.0 / 6_227_020_800  // 1/13!
        sum = 1.0 / 479_001_600 + r * sum  // 1/12!
        sum = 1.0 / 39_916_800 + r * sum
        sum = 1.0 / 3_628_800 + r * sum
        sum = 1.0 / 362_880 + r * sum
        sum = 1.0 / 40_320 + r * sum
        sum = 1.0 / 5_040 + r * sum
        sum = 1.0 / 720 + r * sum
        sum = 1.0 / 120 + r * sum
        sum = 1.0 / 24 + r * sum
        sum = 1.0 / 6 + r * sum
        sum = 0.5 + r * sum
        sum = 1 + r * sum
        sum = 1 + r * sum
        return scaleByPowerOfTwo(sum, Int(k))
    }

    /// A standard normal variate from one 53-bit uniform, by inverting the normal CDF
    /// with Acklam's rational approximation (relative error below 1.2e-9, far under what
    /// a draw rounded to whole milliseconds can show).
    ///
    /// Why not `RandomStream.normal()` (Marsaglia's polar method): that takes two or more
    /// uniforms, a square root and a logarithm per draw, and the chain benchmark's 200
    /// latency draws a block made it a tenth of the run. The central 95% of draws here
    /// need one division and a dozen multiply-adds; the tails add the project's own `log`
    /// and a square root. Only IEEE `+ − × ÷` and `sqrt`, so every machine gets the same
    /// bits.
    @inlinable
    public static func standardNormal(using random: inout RandomStream) -> Double {
        standardNormal(bits: random.next() >> 11)
    }

    /// The standard normal variate of the 53-bit uniform `bits` (`0 ..< 2^53`), as
    /// `standardNormal(using:)` computes it from `random.next() >> 11`; non-decreasing in
    /// `bits` up to rounding, which is what lets a latency table skip it.
    @inlinable
    public static func standardNormal(bits: UInt64) -> Double {
        // p in (0, 1): the midpoint of one of 2^53 equal cells, never 0 or 1.
        let p = (Double(bits) + 0.5) * 0x1p-53
        let lowTail = 0.02425
        if p < lowTail || p > 1 - lowTail {
            // 1 − p is exact for p ≥ 1/2 (Sterbenz).
            let tail = p < lowTail ? p : 1 - p
            let q = (-2 * DeterministicMath.log(tail)).squareRoot()
            let numerator =
                ((((-7.784_894_002_430_293e-03 * q - 3.223_964_580_411_365e-01) * q
                    - 2.400_758_277_161_838e+00) * q - 2.549_732_539_343_734e+00) * q
                    + 4.374_664_141_464_968e+00) * q + 2.938_163_982_698_783e+00
            let denominator =
                (((7.784_695_709_041_462e-03 * q + 3.224_671_290_700_398e-01) * q
                    + 2.445_134_137_142_996e+00) * q + 3.754_408_661_907_416e+00) * q + 1
            let z = numerator / denominator
            return p < lowTail ? z : -z
        }
        let q = p - 0.5
        let r = q * q
        let numerator =
            (((((-3.969_683_028_665_376e+01 * r + 2.209_460_984_245_205e+02) * r
                - 2.759_285_104_469_687e+02) * r + 1.383_577_518_672_690e+02) * r
                - 3.066_479_806_614_716e+01) * r + 2.506_628_277_459_239e+00) * q
        let denominator =
            ((((-5.447_609_879_822_406e+01 * r + 1.615_858_368_580_409e+02) * r
                - 1.556_989_798_598_866e+02) * r + 6.680_131_188_771_972e+01) * r
                - 1.328_068_155_288_572e+01) * r + 1
        return numerator / denominator
    }

    /// `value × 2^exponent`, exact while the result is normal; stepwise so no factor
    /// overflows on its own.
    @inlinable
    static func scaleByPowerOfTwo(_ value: Double, _ exponent: Int) -> Double {
        if exponent >= -1022 && exponent <= 1023 {
            // 2^exponent built from its bits: exact, and the same value as below.
            return value * Double(bitPattern: UInt64(exponent + 1023) << 52)
        }
        var result = value
        var remaining = exponent
        while remaining > 1000 {
            result *= 0x1p1000
            remaining -= 1000
        }
        while remaining < -1000 {
            result *= 0x1p-1000
            remaining += 1000
        }
        return result * Double(sign: .plus, exponent: remaining, significand: 1)
    }

    /// The standard normal density.
    static func normalDensity(_ z: Double) -> Double {
        exp(-0.5 * z * z) * 0.398_942_280_401_432_677_94
    }

    /// The standard normal distribution function, by Simpson's rule on `[0, z]`
    /// (256 panels: error far below what a demand model needs, for |z| ≤ 6).
    static func normalCDF(_ z: Double) -> Double {
        if z > 8 { return 1 }
        if z < -8 { return 0 }
        let panels = 256
        let h = z / Double(panels)
        var sum = normalDensity(0) + normalDensity(z)
        for index in 1..<panels {
            sum += normalDensity(Double(index) * h) * (index % 2 == 1 ? 4 : 2)
        }
        return 0.5 + sum * h / 3
    }

    /// The standard normal quantile of `p` in (0, 1), by bisection on `normalCDF`.
    ///
    /// Slow (about 60 CDF evaluations); used only to build tables once.
    static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1, "normalQuantile needs 0 < p < 1")
        var low = -8.0
        var high = 8.0
        for _ in 0..<60 {
            let middle = 0.5 * (low + high)
            if normalCDF(middle) < p {
                low = middle
            } else {
                high = middle
            }
        }
        return 0.5 * (low + high)
    }

    /// `x` rounded to the nearest integer, halves away from zero.
    ///
    /// Written with integer conversion because `Double.rounded()` calls the C library's
    /// `round`, which the package does not link (no Foundation, no Glibc).
    @inlinable
    static func roundedToNearest(_ x: Double) -> Double {
        // From 2^52 up every Double is an integer already.
        guard x.isFinite, abs(x) < 0x1p52 else { return x }
        let truncated = Int64(x)
        let fraction = x - Double(truncated)
        // In integers, so that the comparisons become flags, not branches: whether a
        // fraction reaches a half is a coin toss for prices (a background block's 32 tiers
        // mispredicted half of theirs). Integers below 2^52 convert exactly.
        let up: Int64 = fraction >= 0.5 ? 1 : 0
        let down: Int64 = fraction <= -0.5 ? 1 : 0
        return Double(truncated &+ up &- down)
    }

    /// The wei nearest to a non-negative `Double` (half away from zero), saturating.
    static func wei(_ value: Double) -> Wei {
        // Every gas price met in a run (a background block converts 32 a block): below 2⁵²
        // the rounding is a truncation and one flag, in integers throughout — the same
        // integer as the general path below, which went back to a `Double` and through
        // three range tests first (a block's fill took 75 instructions a tier with it and
        // takes 38 now: 34.8 M → 17.6 M on the world bench).
        if value > 0, value < 0x1p52 {
            let truncated = Int64(value)
            let up: Int64 = value - Double(truncated) >= 0.5 ? 1 : 0
            return Wei(UInt64(truncatingIfNeeded: truncated &+ up))
        }
        guard value.isFinite, value > 0 else { return value == .infinity ? .max : 0 }
        if value >= 0x1p127 { return .max }
        let rounded = roundedToNearest(value)
        // Below 2^64 through `UInt64` (one conversion instruction, the same integer):
        // `UInt128(Double)` goes through the generic conversion, 1% of the chain benchmark.
        if rounded < 0x1p64 { return Wei(UInt64(rounded)) }
        return Wei(rounded)
    }
}
