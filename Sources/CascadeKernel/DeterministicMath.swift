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
    /// Method: write `x = m · 2^e` with `m` in `[1, 2)`; take the table point
    /// `c = 1 + k/128` nearest to `m` (k = 0...128), so `m = c · (1 + r)` with
    /// `|r| ≤ 1/256`; then
    /// `ln x = e·ln 2 + ln c + ln(1 + r)`, with `ln c` from a table and `ln(1 + r)` from
    /// `2·atanh(r / (2 + r))`, an odd series in `s = r/(2 + r)` (`|s| < 0.002`) that four
    /// terms carry to 1e-19. `ln 2` and the table hold a high and a low part. For
    /// `m ≥ √2` the same `s` is used with `m/2`, `c/2` and `e + 1`, so that `x` just below a
    /// power of two does not lose its digits to `ln 2` cancelling `ln c`.
    @inlinable
    public static func log(_ x: Double) -> Double {
        guard x > 0, x.isFinite else {
            if x == 0 { return -.infinity }
            return x.isNaN || x < 0 ? .nan : x
        }
        var value = x
        var exponent = 0
        if value.isSubnormal {
            value *= 0x1p54
            exponent -= 54
        }
        let bits = value.bitPattern
        exponent += Int((bits >> 52) & 0x7ff) - 1023
        // The top 8 fraction bits, rounded to the nearest 1/128: k in 0...128.
        let index = (Int((bits >> 44) & 0xff) + 1) >> 1
        let mantissa = Double(bitPattern: (bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000)
        let table = LogTable.entries
        let center = 1 + Double(index) * 0x1p-7
        // m − c is exact: c has 7 fraction bits and m/2 ≤ c ≤ 2m (Sterbenz).
        let s = (mantissa - center) / (mantissa + center)
        let s2 = s * s
        let series = s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0)))
        let logRatio = 2 * s + 2 * s * series
        // Rows 0...128 hold ln c; rows 129...257 hold ln(c/2), used from √2 up.
        let halved = index >= LogTable.halvingIndex
        let row = halved ? index + 129 : index
        if halved { exponent += 1 }
        let e = Double(exponent)
        let entry = table[row]
        return (e * ln2High + entry.high) + (logRatio + (e * ln2Low + entry.low))
    }

    /// `ln(1 + k/128)` for k = 0...128, then `ln((1 + k/128)/2)`, computed once with the
    /// slow series so the fast path's table is itself built from basic operations only.
    ///
    /// Stored behind a raw pointer that is written once and never freed: reading a Swift
    /// array held by a shared object costs a retain and a release per call, which would be
    /// a quarter of the price of an exponential draw.
    @usableFromInline
    enum LogTable {
        /// The first `k` with `1 + k/128 ≥ √2` (k = 53, c = 1.4140625, just below √2).
        @usableFromInline static let halvingIndex = 53

        @usableFromInline
        struct Entry {
            @usableFromInline var high: Double
            @usableFromInline var low: Double
        }

        @usableFromInline nonisolated(unsafe) static let entries: UnsafePointer<Entry> = {
            let table = UnsafeMutablePointer<Entry>.allocate(capacity: 2 * 129)
            var row = 0
            for halved in [false, true] {
                for k in 0...128 {
                    let center = 1 + Double(k) * 0x1p-7
                    let (high, low) = DeterministicMath.slowLog(halved ? center / 2 : center)
                    (table + row).initialize(to: Entry(high: high, low: low))
                    row += 1
                }
            }
            return UnsafePointer(table)
        }()
    }

    /// `ln m` for `m` in `[½, 2)` as a high part and a small correction, by the series
    /// `2·atanh(s)` with `s = (m − 1)/(m + 1)` summed to 40 terms in double-double style
    /// (the leading `2s` carried separately); used only to build the table.
    static func slowLog(_ m: Double) -> (Double, Double) {
        let numerator = m - 1
        let denominator = m + 1
        let s = numerator / denominator
        // Correct s for the rounding of the division: s + ds ≈ (m − 1)/(m + 1) exactly.
        let residual = numerator - s * denominator
        let ds = residual / denominator
        let s2 = s * s
        var series = 0.0
        for term in stride(from: 79, through: 3, by: -2) {
            series = 1.0 / Double(term) + s2 * series
        }
        let tail = 2 * s * s2 * series + 2 * ds
        let head = 2 * s
        let sum = head + tail
        return (sum, tail - (sum - head))
    }
}
