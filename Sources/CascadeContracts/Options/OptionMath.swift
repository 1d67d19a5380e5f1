/// Elementary functions for option pricing, from IEEE-754 `+ − × ÷` and `squareRoot()` only.
///
/// Why here and not the kernel's `DeterministicMath`: contracts import neither Foundation
/// nor the kernel (purity by construction, checked by `make lint`), yet an exchange's margin
/// requirement is a Black-Scholes price, so the contract needs `exp`, `log` and the normal
/// distribution itself. Platform maths libraries may differ in the last bit between
/// machines; these functions give the same bits everywhere because they use only
/// correctly rounded IEEE operations in a fixed order. The methods are the same kind as
/// `DeterministicMath.log` and `ChainMath.exp` (range reduction, then a short series),
/// written out again for this module.
///
/// Accuracy (checked against the platform and against high-precision values in
/// `OptionMathTests`): `exp` and `log` within a few units in the last place; `erfc` and
/// `normalCDF` within about 1e-15 relative over the whole line, so a price inherits the
/// accuracy of its inputs, not of the distribution function.
public enum OptionMath {
    static let ln2High = 6.931_471_803_691_238_164_90e-01
    static let ln2Low = 1.908_214_929_270_587_700_02e-10
    static let inverseSquareRootPi = 0.564_189_583_547_756_286_95
    static let inverseSquareRootTwoPi = 0.398_942_280_401_432_677_94
    static let inverseSquareRootTwo = 0.707_106_781_186_547_524_40

    /// e^x for finite `x`; 0 below −745, +infinity above 709.7.
    ///
    /// `x = k·ln 2 + r` with `|r| ≤ ln 2 / 2` (ln 2 in a high and a low part so `r` is
    /// exact to the last bit), `e^r` by its Taylor series to degree 13 (truncation below
    /// 5e-18 relative) in Horner form, then an exact scaling by `2^k`.
    public static func exp(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x > 709.7 { return .infinity }
        if x < -745 { return 0 }
        let k = (x / (ln2High + ln2Low)).rounded(.toNearestOrEven)
        let r = (x - k * ln2High) - k * ln2Low
        var sum = 1.0 / 6_227_020_800
        for factorial in [
            479_001_600.0, 39_916_800, 3_628_800, 362_880, 40_320, 5_040, 720, 120, 24, 6, 2, 1,
        ] {
            sum = 1 / factorial + r * sum
        }
        sum = 1 + r * sum
        return scaled(sum, byPowerOfTwo: Int(k))
    }

    /// The natural logarithm of a positive finite `x` (−infinity at 0, NaN below).
    ///
    /// `x = m · 2^e` with `m` in `[√½, √2)`; `ln m = 2·atanh(s)` with `s = (m − 1)/(m + 1)`,
    /// `|s| ≤ 0.172`, whose odd series carried to `s^23` truncates below 1e-18.
    public static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else {
            if x == 0 { return -.infinity }
            return x.isNaN || x < 0 ? .nan : x
        }
        var m = x.significand
        var e = Double(x.exponent)
        if m >= 2.0.squareRoot() {
            m /= 2
            e += 1
        }
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var series = 1.0 / 23
        var denominator = 21.0
        while denominator >= 1 {
            series = 1 / denominator + s2 * series
            denominator -= 2
        }
        return e * ln2High + (2 * s * series + e * ln2Low)
    }

    /// `base^exponent` for a positive `base`, as `exp(exponent · log(base))`.
    public static func pow(_ base: Double, _ exponent: Double) -> Double {
        if exponent == 0 { return 1 }
        if base == 1 { return 1 }
        return exp(exponent * log(base))
    }

    /// The complementary error function, `erfc(x) = 1 − erf(x)`.
    ///
    /// Two methods, each used where it keeps full relative accuracy:
    /// - `|x| < 1.5`: `erf(x) = (2/√π)·e^{−x²}·Σ (2x²)^n · x / (2n+1)!!`, a series of
    ///   positive terms (no cancellation; at most about 30 terms), then `1 − erf`;
    /// - `x ≥ 1.5`: Laplace's continued fraction
    ///   `erfc(x) = e^{−x²}/√π · 1/(x + ½/(x + 1/(x + (3/2)/(x + …))))`, evaluated from
    ///   the back with a fixed depth (80 terms below 2.5, 40 above: relative error below
    ///   2e-15, measured against 50-digit values);
    /// - `x ≤ −1.5`: `2 − erfc(−x)`.
    public static func erfc(_ x: Double) -> Double {
        if x.isNaN { return .nan }
        if x < -1.5 { return 2 - erfc(-x) }
        if x < 1.5 {
            let x2 = x * x
            var term = x
            var sum = x
            var n = 0.0
            while abs(term) > 1e-17 * abs(sum), n < 60 {
                n += 1
                term *= 2 * x2 / (2 * n + 1)
                sum += term
            }
            return 1 - 2 * inverseSquareRootPi * exp(-x2) * sum
        }
        if x > 27 { return 0 }
        var depth = x < 2.5 ? 80.0 : 40.0
        var tail = x
        while depth >= 1 {
            tail = x + (depth / 2) / tail
            depth -= 1
        }
        return exp(-x * x) * inverseSquareRootPi / tail
    }

    /// The standard normal distribution function `N(z) = ½·erfc(−z/√2)`.
    public static func normalCDF(_ z: Double) -> Double {
        0.5 * erfc(-z * inverseSquareRootTwo)
    }

    /// The standard normal density `n(z) = e^{−z²/2}/√(2π)`.
    public static func normalDensity(_ z: Double) -> Double {
        exp(-0.5 * z * z) * inverseSquareRootTwoPi
    }

    /// `value · 2^exponent`, exact unless the result is subnormal or out of range.
    static func scaled(_ value: Double, byPowerOfTwo exponent: Int) -> Double {
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
}
