/// One bin of a histogram: the samples `lower <= s < upper`.
package struct HistogramBin: Hashable, Sendable {
    package let lower: Double
    package let upper: Double
    package let count: Int
}

/// Histograms with bin widths at nice values (1, 2, 5 × 10^k), so bin edges read cleanly.
package enum Histogram {
    /// Bins for integer samples (liquidation delay in blocks): width 1 when the range allows
    /// (one bar per value), else the smallest nice integer width giving at most `maxBins`
    /// bins. Bins run from the first multiple of the width at or below the minimum; the last
    /// bin holds the maximum. Empty for no samples.
    package static func bins(integers samples: [Int], maxBins: Int = 40) -> [HistogramBin] {
        precondition(maxBins >= 1, "at least one bin")
        guard let low = samples.min(), let high = samples.max() else { return [] }
        var width = 1
        var candidates = [1, 2, 5].makeIterator()
        var decade = 1
        while true {
            let first = floorDivide(low, by: width) * width
            if (high - first) / width + 1 <= maxBins { break }
            guard let next = candidates.next() else {
                decade *= 10
                candidates = [1, 2, 5].makeIterator()
                continue
            }
            width = next * decade
        }
        let first = floorDivide(low, by: width) * width
        var counts = [Int](repeating: 0, count: (high - first) / width + 1)
        for sample in samples {
            counts[(sample - first) / width] += 1
        }
        return counts.enumerated().map { index, count in
            HistogramBin(
                lower: Double(first + index * width), upper: Double(first + (index + 1) * width),
                count: count)
        }
    }

    /// Bins for measurements, edges on the ticks of a `NiceScale` with about `targetBins`
    /// intervals. NaN and infinities are left out. Empty for no finite samples.
    package static func bins(measurements samples: [Double], targetBins: Int = 20)
        -> [HistogramBin]
    {
        let finite = samples.filter(\.isFinite)
        guard let low = finite.min(), let high = finite.max() else { return [] }
        let scale = NiceScale(minimum: low, maximum: high, targetTickCount: targetBins)
        let edges = scale.ticks
        var counts = [Int](repeating: 0, count: max(edges.count - 1, 1))
        for sample in finite {
            let index = Int(((sample - scale.lower) / scale.step).rounded(.down))
            counts[min(max(index, 0), counts.count - 1)] += 1
        }
        return counts.enumerated().map { index, count in
            HistogramBin(
                lower: edges[index], upper: edges[min(index + 1, edges.count - 1)], count: count)
        }
    }

    private static func floorDivide(_ value: Int, by divisor: Int) -> Int {
        let quotient = value / divisor
        return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient
    }
}
