import CascadeChain
import CascadeKernel

/// Time conversions for the market's annualised parameters.
///
/// Drift, volatility and jump intensity are quoted per year, as researchers quote them.
/// Crypto markets trade every day, so a year is 365 days of 24 hours: 31,536,000,000 ms.
public enum MarketYear {
    /// Milliseconds in one market year (365 days).
    public static let milliseconds: Int64 = 365 * 86_400_000

    /// `span` as a fraction of a year.
    @inlinable
    public static func fraction(of span: SimTime) -> Double {
        Double(span.milliseconds) / Double(milliseconds)
    }
}

/// Geometric Brownian motion: `dS = μ S dt + σ S dW`, stepped exactly.
///
/// Why exact: over a step of any length `Δt` the log price moves by
/// `(μ − σ²/2)·Δt + σ·√Δt·z` with `z` standard normal. Taking that step (rather than the
/// Euler step `S·(1 + μΔt + σ√Δt z)`) gives the right distribution whatever the step, so
/// an agent waking every 12 s and one waking every minute see statistically the same
/// market, and the price never goes negative.
///
/// The state is the log price, so a long path accumulates no rounding from repeated
/// multiplication; `price` is `exp(logPrice)` by the deterministic `ChainMath.exp`.
///
/// ```swift
/// var eth = GeometricBrownianMotion(price: 195, drift: 0, volatility: 0.8)
/// var random = RandomStream(seed: 7, name: "market.ETH")
/// let next = eth.advance(by: .seconds(12), random: &random)
/// ```
///
/// Each step costs one normal draw and one `exp`: O(1).
public struct GeometricBrownianMotion: Hashable, Sendable {
    /// Expected growth rate per year: `E[S_t] = S_0 · e^{μt}`.
    public var drift: Double
    /// Volatility per √year: the standard deviation of one year's log return.
    public var volatility: Double
    /// The natural log of the current price.
    public private(set) var logPrice: Double

    /// A process starting at `price` (> 0, in quote currency per unit).
    public init(price: Double, drift: Double, volatility: Double) {
        precondition(price > 0 && price.isFinite, "GBM needs a positive finite price")
        self.drift = drift
        self.volatility = volatility
        self.logPrice = DeterministicMath.log(price)
        self.price = price
    }

    /// The current price in quote currency per unit: exactly the starting price until
    /// the first step, then `exp(logPrice)`.
    public private(set) var price: Double

    /// Why these parameters cannot be used, or nil if they can (for world validation).
    public var problem: String? {
        if !drift.isFinite { return "drift must be finite" }
        if !(volatility >= 0 && volatility <= 20) { return "volatility must be in [0, 20]" }
        return nil
    }

    /// Advances by `span`, drawing the normal shock from `random`; returns the new price.
    public mutating func advance(by span: SimTime, random: inout RandomStream) -> Double {
        advance(by: span, shock: random.normal())
    }

    /// Advances by `span` with a given standard normal `shock` (a correlated one, when the
    /// market correlates several assets); returns the new price.
    public mutating func advance(by span: SimTime, shock: Double) -> Double {
        precondition(span.milliseconds >= 0, "time never goes backwards")
        let years = MarketYear.fraction(of: span)
        let diffusion = volatility * years.squareRoot() * shock
        logPrice += (drift - 0.5 * volatility * volatility) * years + diffusion
        price = ChainMath.exp(logPrice)
        return price
    }
}
