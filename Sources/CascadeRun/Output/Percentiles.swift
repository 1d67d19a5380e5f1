/// Nearest-rank percentiles of a sample, exact: every figure is one of the samples.
///
/// Definition (nearest rank, as in NIST's handbook and Hyndman & Fan's type 1 for
/// 0 < p ≤ 100): sort the n samples ascending; the p-th percentile is the sample at rank
/// ⌈p·n/100⌉ (1-based). `p = 0` gives the minimum and `p = 100` the maximum. There is no
/// interpolation, so integer samples give integer percentiles and nothing is rounded.
/// With samples 1...10, p50 is 5, p90 is 9 and p99 is 10.
///
/// The rank is computed in integers (`(p·n + 99) / 100`), so no floating point decides
/// which sample is chosen. Sorting costs O(n log n) once; each percentile is then O(1).
package struct Percentiles<Sample: Comparable> {
    /// The samples, ascending.
    package let sorted: [Sample]

    /// Sorts `samples`. Samples must be totally ordered (no NaN).
    package init(_ samples: [Sample]) {
        sorted = samples.sorted()
    }

    package var count: Int { sorted.count }

    /// The nearest-rank `percent`-th percentile; nil for an empty sample.
    package func value(atPercent percent: Int) -> Sample? {
        precondition(percent >= 0 && percent <= 100, "percent out of 0...100")
        guard !sorted.isEmpty else { return nil }
        let rank = max(1, (percent * sorted.count + 99) / 100)
        return sorted[rank - 1]
    }

    package var minimum: Sample? { sorted.first }
    package var maximum: Sample? { sorted.last }

    /// `{"p50": …, "p90": …, "max": …}` for `summary.json`: one key `p<N>` per percent in
    /// order, then `max`; every value `null` when there are no samples.
    package func jsonObject(
        percents: [Int], value: (Sample) -> OutputJSON
    ) -> JSONObject {
        var object = JSONObject()
        for percent in percents {
            object.append("p\(percent)", self.value(atPercent: percent).map(value) ?? .null)
        }
        object.append("max", maximum.map(value) ?? .null)
        return object
    }
}

extension Percentiles where Sample == Double {
    /// Drops NaN (which has no place in an order) before sorting; infinities are kept.
    package init(measurements: [Double]) {
        self.init(measurements.filter { !$0.isNaN })
    }
}
