import CascadeChain
import CascadeKernel

/// One bar of a historical price table: open, high, low and close over one period.
///
/// Prices are in quote currency per unit (USD per ETH for the Black Thursday table);
/// `start` is the bar's start in simulated time (milliseconds since the world's start).
public struct PriceBar: Hashable, Sendable {
    public var start: SimTime
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double

    public init(start: SimTime, open: Double, high: Double, low: Double, close: Double) {
        self.start = start
        self.open = open
        self.high = high
        self.low = low
        self.close = close
    }

    /// Why this bar is not a valid OHLC bar, or nil if it is.
    public var problem: String? {
        for value in [open, high, low, close] where !(value > 0 && value.isFinite) {
            return "prices must be positive and finite"
        }
        if low > high { return "low \(low) is above high \(high)" }
        if open > high || close > high { return "open and close must not exceed the high" }
        if open < low || close < low { return "open and close must not be below the low" }
        return nil
    }
}

/// A historical price table replayed as a path: hourly (or any period) OHLC bars,
/// filled between anchors by a seeded Brownian bridge that passes exactly through every
/// bar's open, high, low and close (see `OHLCBridge` and docs/model/market.md).
///
/// Bars must be contiguous (`bars[i + 1].start == bars[i].start + period`). Within a bar
/// of `n = period / resolution` samples, the open is the sample at the bar's start and
/// the close the sample one resolution step before the next bar's start; the step from a
/// close to the next bar's open is the data's own gap (bars from an exchange need not
/// join), taken as a straight line.
public struct HistoricalAnchors: Hashable, Sendable {
    /// The length of every bar (one hour for the Black Thursday table).
    public var period: SimTime
    /// The bars, in time order.
    public var bars: [PriceBar]
    /// Volatility per √year of the bridge's noise before it is rescaled into each bar's
    /// range; nil estimates it per bar from the bar's range (Parkinson:
    /// `σ² = ln(high/low)² / (4 ln 2)` per period).
    public var bridgeVolatility: Double?

    public init(period: SimTime, bars: [PriceBar], bridgeVolatility: Double? = nil) {
        self.period = period
        self.bars = bars
        self.bridgeVolatility = bridgeVolatility
    }

    /// Why these anchors cannot be sampled at `resolution`, or nil if they can.
    public func problem(resolution: SimTime) -> String? {
        if bars.isEmpty { return "a historical table needs at least one bar" }
        if period.milliseconds <= 0 { return "the bar period must be positive" }
        if resolution.milliseconds <= 0 { return "the resolution must be positive" }
        if period.milliseconds % resolution.milliseconds != 0 {
            return "the bar period \(period) is not a multiple of the resolution \(resolution)"
        }
        if period.milliseconds / resolution.milliseconds < 4 {
            return "a bar needs at least 4 samples (open, high, low, close); refine resolution"
        }
        if let volatility = bridgeVolatility, !(volatility >= 0 && volatility <= 50) {
            return "bridge volatility must be in [0, 50]"
        }
        for (index, bar) in bars.enumerated() {
            if let problem = bar.problem { return "bar \(index): \(problem)" }
            if index > 0
                && bar.start.milliseconds
                    != bars[index - 1].start.milliseconds + period.milliseconds
            {
                return "bar \(index) does not start one period after bar \(index - 1)"
            }
        }
        return nil
    }

    /// The whole path sampled every `resolution`, drawing from `random`.
    ///
    /// Precondition: `problem(resolution:)` is nil (validate data first). O(total samples).
    public func path(resolution: SimTime, random: inout RandomStream) -> SampledHistory {
        precondition(problem(resolution: resolution) == nil, "invalid historical anchors")
        let perBar = Int(period.milliseconds / resolution.milliseconds)
        var samples: [Double] = []
        samples.reserveCapacity(perBar * bars.count)
        var highIndices: [Int] = []
        var lowIndices: [Int] = []
        for bar in bars {
            let stepDeviation = bridgeStepDeviation(
                bar: bar, samples: perBar, resolution: resolution)
            let filled = OHLCBridge.fill(
                bar: bar, samples: perBar, stepDeviation: stepDeviation, random: &random)
            highIndices.append(samples.count + filled.highIndex)
            lowIndices.append(samples.count + filled.lowIndex)
            samples.append(contentsOf: filled.prices)
        }
        return SampledHistory(
            origin: bars[0].start, resolution: resolution, samples: samples,
            highIndices: highIndices, lowIndices: lowIndices)
    }

    /// The standard deviation of the bridge's log-price noise per sample step.
    func bridgeStepDeviation(bar: PriceBar, samples: Int, resolution: SimTime) -> Double {
        if let volatility = bridgeVolatility {
            return volatility * MarketYear.fraction(of: resolution).squareRoot()
        }
        // Parkinson's range estimator: the bar's variance spread over its n − 1 steps.
        let range = DeterministicMath.log(bar.high) - DeterministicMath.log(bar.low)
        let barVariance = range * range / (4 * DeterministicMath.log(2))
        return (barVariance / Double(samples - 1)).squareRoot()
    }
}

/// A historical path sampled on a uniform grid, with where each bar's extremes were put.
public struct SampledHistory: Hashable, Sendable {
    /// The time of `samples[0]`.
    public var origin: SimTime
    /// The spacing of the samples.
    public var resolution: SimTime
    /// Prices at `origin + k · resolution`.
    public var samples: [Double]
    /// For each bar, the index in `samples` where the bridge put its high.
    public var highIndices: [Int]
    /// For each bar, the index in `samples` where the bridge put its low.
    public var lowIndices: [Int]
}
