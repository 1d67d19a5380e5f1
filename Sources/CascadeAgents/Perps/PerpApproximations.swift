import CascadeCore

// Fast conversions between the exchange's `Int128` amounts and agents' `Double` judgments
// (off chain only). The standard library converts `Int128` ↔ `Double` through a generic
// path that was the largest cost of the liquidators' per-block planning; these go through
// 64-bit halves (see `ApproximateValue.swift`).

extension Int128 {
    /// `self` as a `Double`, within a few ulps.
    var approximateValue: Double {
        let magnitude = self.magnitude.approximateValue
        return self < 0 ? -magnitude : magnitude
    }

    /// `value` rounded by `rule`, through `Int64` when it fits (and the generic path only
    /// beyond ±9.2e18); 0 for a value that is not finite.
    static func approximating(_ value: Double, _ rule: FloatingPointRoundingRule) -> Int128 {
        let rounded = value.rounded(rule)
        guard rounded.isFinite else { return 0 }
        if abs(rounded) < 9.2e18 { return Int128(Int64(rounded)) }
        return Int128(rounded)
    }
}
