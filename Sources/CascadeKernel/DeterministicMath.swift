/// Elementary functions computed with IEEE-754 `+ − × ÷` and `squareRoot()` only.
///
/// Platform maths libraries may differ in the last bit of `log` or `exp`; these functions
/// give the same bits everywhere, so samplers (and anything else that reaches an outcome)
/// stay reproducible across machines. Accuracy is within a couple of units in the last
/// place, checked against the platform's functions in the tests.
public enum DeterministicMath {
    @usableFromInline static let ln2High = 6.931_471_803_691_238_164_90e-01
    @usableFromInline static let ln2Low = 1.908_214_929_270_587_700_02e-10

    /// The natural logarithm of a positive, finite `x` (`-infinity` at 0, NaN below).
    ///
    /// Method: write `x = m · 2^e` with `m` in `[√½, √2)`, then
    /// `ln m = 2·atanh(s)` with `s = (m − 1)/(m + 1)`, `|s| < 0.172`, summed as an odd series
    /// to 1e-18 relative error, and `ln x = e·ln 2 + ln m` with `ln 2` split in two parts.
    @inlinable
    public static func log(_ x: Double) -> Double {
        if x.isNaN || x < 0 { return .nan }
        if x == 0 { return -.infinity }
        if x.isInfinite { return x }
        var value = x
        var exponent = 0
        if value.isSubnormal {
            value *= 0x1p54
            exponent -= 54
        }
        let bits = value.bitPattern
        exponent += Int((bits >> 52) & 0x7ff) - 1023
        var mantissa = Double(bitPattern: (bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        if mantissa > 1.414_213_562_373_095_1 {
            mantissa *= 0.5
            exponent += 1
        }
        let s = (mantissa - 1) / (mantissa + 1)
        let s2 = s * s
        // Σ s^(2k) / (2k + 1) for k = 1...13, in Horner form; s2 < 0.0295.
        var series = 1.0 / 27.0
        series = 1.0 / 25.0 + s2 * series
        series = 1.0 / 23.0 + s2 * series
        series = 1.0 / 21.0 + s2 * series
        series = 1.0 / 19.0 + s2 * series
        series = 1.0 / 17.0 + s2 * series
        series = 1.0 / 15.0 + s2 * series
        series = 1.0 / 13.0 + s2 * series
        series = 1.0 / 11.0 + s2 * series
        series = 1.0 / 9.0 + s2 * series
        series = 1.0 / 7.0 + s2 * series
        series = 1.0 / 5.0 + s2 * series
        series = 1.0 / 3.0 + s2 * series
        let logMantissa = 2 * s + 2 * s * s2 * series
        let e = Double(exponent)
        return (e * ln2High) + (logMantissa + e * ln2Low)
    }
}
