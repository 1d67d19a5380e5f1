import CascadeChain
import CascadeKernel

/// Fills one OHLC bar with a path that passes exactly through its open, high, low and
/// close, and never leaves `[low, high]`.
///
/// Construction (docs/model/market.md has the argument in full):
///
/// 1. **Instants of the extremes.** The open is sample 0 and the close sample `n − 1`.
///    An extreme equal to the open (or the close) is placed there. Any other extreme gets
///    an interior sample drawn uniformly from the stream; when both are interior, two
///    distinct samples are drawn and ordered *consistently with the bar*: in a falling
///    bar (close < open) the high comes first, in a rising bar the low comes first (the
///    shorter of the two zig-zags open → extreme → extreme → close), in a flat bar a fair
///    coin decides.
/// 2. **Bridges.** Consecutive anchors are joined in log price by a Brownian bridge: the
///    straight line between them plus a standard bridge (zero at both ends) scaled by the
///    step deviation.
/// 3. **Rescale.** Each segment's bridge part is multiplied by the largest `c ≤ 1` that
///    keeps every point of the segment inside `[ln low, ln high]`. The straight line lies
///    inside (both ends do), so such a `c ≥ 0` exists, and the segment keeps its shape.
/// 4. **Exact anchors and clamp.** Anchor samples are set to the bar's own numbers, not
///    `exp(log(x))`; other samples are `exp` of their log clamped to `[low, high]`, which
///    only removes the last-bit rounding of `exp`.
///
/// So the maximum of the bar's samples is exactly `high` (it is sampled at its instant and
/// nothing exceeds it), the minimum exactly `low`, and the first and last samples are
/// exactly `open` and `close`. O(n) time, one normal draw per interior sample.
enum OHLCBridge {
    /// One bar's samples and the indices (within the bar) of its high and low.
    struct Filled {
        var prices: [Double]
        var highIndex: Int
        var lowIndex: Int
    }

    /// Fills `bar` with `samples` prices (at least 4) whose log noise per step has
    /// standard deviation `stepDeviation`.
    static func fill(
        bar: PriceBar, samples n: Int, stepDeviation: Double, random: inout RandomStream
    ) -> Filled {
        precondition(n >= 4, "a bar needs at least 4 samples")
        if bar.high == bar.low {
            return Filled(prices: Array(repeating: bar.open, count: n), highIndex: 0, lowIndex: 0)
        }
        let (highIndex, lowIndex) = extremeIndices(bar: bar, samples: n, random: &random)
        var anchors: [(index: Int, price: Double)] = [(0, bar.open)]
        for anchor in [(highIndex, bar.high), (lowIndex, bar.low)].sorted(by: { $0.0 < $1.0 })
        where anchor.0 > 0 && anchor.0 < n - 1 {
            anchors.append(anchor)
        }
        anchors.append((n - 1, bar.close))

        var prices = [Double](repeating: 0, count: n)
        for segment in 0..<(anchors.count - 1) {
            let from = anchors[segment]
            let to = anchors[segment + 1]
            fillSegment(
                &prices, from: from, to: to, range: bar.low...bar.high,
                stepDeviation: stepDeviation, random: &random)
        }
        for anchor in anchors {
            prices[anchor.index] = anchor.price
        }
        // Extremes placed at the open or close are already set by the anchors above.
        prices[highIndex] = bar.high
        prices[lowIndex] = bar.low
        return Filled(prices: prices, highIndex: highIndex, lowIndex: lowIndex)
    }

    /// Where the high and the low go (step 1 of the construction).
    static func extremeIndices(
        bar: PriceBar, samples n: Int, random: inout RandomStream
    ) -> (high: Int, low: Int) {
        let last = n - 1
        let fixedHigh: Int? = bar.open == bar.high ? 0 : (bar.close == bar.high ? last : nil)
        let fixedLow: Int? = bar.open == bar.low ? 0 : (bar.close == bar.low ? last : nil)
        let interiorCount = UInt64(n - 2)
        switch (fixedHigh, fixedLow) {
        case (let high?, let low?):
            return (high, low)
        case (let high?, nil):
            return (high, 1 + Int(random.uniformInt(below: interiorCount)))
        case (nil, let low?):
            return (1 + Int(random.uniformInt(below: interiorCount)), low)
        case (nil, nil):
            let first = 1 + Int(random.uniformInt(below: interiorCount))
            var second = 1 + Int(random.uniformInt(below: interiorCount - 1))
            if second >= first { second += 1 }
            let (early, late) = (min(first, second), max(first, second))
            let highFirst: Bool
            if bar.close < bar.open {
                highFirst = true
            } else if bar.close > bar.open {
                highFirst = false
            } else {
                highFirst = random.bernoulli(numerator: 1, denominator: 2)
            }
            return highFirst ? (early, late) : (late, early)
        }
    }

    /// Steps 2–4 for the samples strictly between two anchors.
    static func fillSegment(
        _ prices: inout [Double],
        from: (index: Int, price: Double), to: (index: Int, price: Double),
        range: ClosedRange<Double>, stepDeviation: Double,
        random: inout RandomStream
    ) {
        let steps = to.index - from.index
        guard steps > 1 else { return }
        let logLow = DeterministicMath.log(range.lowerBound)
        let logHigh = DeterministicMath.log(range.upperBound)
        let logFrom = DeterministicMath.log(from.price)
        let logTo = DeterministicMath.log(to.price)
        // A standard Brownian bridge built forwards: given W at step j − 1 and W = 0 at the
        // end, W_j is normal with mean w·r/(r+1) and variance r/(r+1), r = steps − j.
        var deviations = [Double](repeating: 0, count: steps - 1)
        var w = 0.0
        for j in 1..<steps {
            let remaining = Double(steps - j)
            let keep = remaining / (remaining + 1)
            w = w * keep + keep.squareRoot() * random.normal()
            deviations[j - 1] = w * stepDeviation
        }
        var lines = [Double](repeating: 0, count: steps - 1)
        var scale = 1.0
        for j in 1..<steps {
            let line = logFrom + (logTo - logFrom) * (Double(j) / Double(steps))
            lines[j - 1] = line
            let deviation = deviations[j - 1]
            if deviation > 0 {
                scale = min(scale, max(0, (logHigh - line) / deviation))
            } else if deviation < 0 {
                scale = min(scale, max(0, (logLow - line) / deviation))
            }
        }
        for j in 1..<steps {
            // The clamp removes only exp's last-bit rounding: the log is already inside.
            let price = ChainMath.exp(lines[j - 1] + scale * deviations[j - 1])
            prices[from.index + j] = min(max(price, range.lowerBound), range.upperBound)
        }
    }
}
