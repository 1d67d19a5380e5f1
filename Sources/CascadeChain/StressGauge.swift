import CascadeKernel

/// Market stress for the background demand: how much more the market is moving than
/// in calm times.
///
/// Keeps an exponentially weighted mean of absolute log returns, observed at any
/// cadence; `stress = max(0, mean / calmAbsoluteReturn − 1)`. So 0 in a calm market,
/// 1 when the market moves twice as much as calm, and so on. Pass it to
/// `BackgroundDemand.draw(stress:)`, whose elasticities turn it into more demand and
/// higher bids. Off-chain modelling, so `Double`.
public struct StressGauge: Hashable, Sendable {
    /// The mean absolute log return per observation that counts as calm (> 0).
    public let calmAbsoluteReturn: Double
    /// The weight of each new observation, in (0, 1]: `1 − 2^(−1/halfLife)` for a
    /// half-life in observations.
    public let weight: Double
    public private(set) var meanAbsoluteReturn: Double

    public init(calmAbsoluteReturn: Double, weight: Double) {
        precondition(calmAbsoluteReturn > 0, "calm absolute return must be positive")
        precondition(weight > 0 && weight <= 1, "weight in (0, 1]")
        self.calmAbsoluteReturn = calmAbsoluteReturn
        self.weight = weight
        meanAbsoluteReturn = calmAbsoluteReturn
    }

    /// Records a price move from `previous` to `current` (both positive).
    public mutating func observe(previous: Double, current: Double) {
        precondition(previous > 0 && current > 0, "prices must be positive")
        let move = DeterministicMath.log(current / previous)
        meanAbsoluteReturn += weight * (abs(move) - meanAbsoluteReturn)
    }

    /// The current stress level, at least 0.
    public var stress: Double {
        max(0, meanAbsoluteReturn / calmAbsoluteReturn - 1)
    }
}
