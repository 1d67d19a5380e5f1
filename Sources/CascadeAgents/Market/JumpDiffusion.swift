import CascadeChain
import CascadeKernel

/// Merton's jump-diffusion: geometric Brownian motion plus Poisson jumps whose log sizes
/// are normal, stepped exactly.
///
/// Over a step `Δt` the log price moves by
///
///     (μ − σ²/2 − λκ)·Δt + σ·√Δt·z + Σ_{i=1}^{N} Y_i,
///     N ~ Poisson(λΔt),  Y_i ~ Normal(μ_J, σ_J²),  κ = E[e^Y] − 1 = e^{μ_J + σ_J²/2} − 1.
///
/// **Drift compensation**: the `−λκ` term removes the jumps' average contribution, so
/// `E[S_t] = S_0·e^{μt}` exactly as for GBM with the same `drift`. A crash-prone market
/// (`μ_J < 0`) therefore drifts up slightly between jumps; to model a market whose mean
/// falls, lower `drift`, not the compensation.
///
/// The sum of `N` normal jump sizes is one normal draw, `N·μ_J + σ_J·√N·z'`, so a step
/// costs one normal for the diffusion, one uniform for the jump count (more only when
/// λΔt > 16, see `poisson`), and one normal when at least one jump happened.
///
/// ```swift
/// var eth = MertonJumpDiffusion(
///     price: 195, drift: 0, volatility: 0.6,
///     jumpIntensity: 12, jumpMean: -0.08, jumpVolatility: 0.05)
/// eth.advance(by: .minutes(1), random: &random)
/// ```
public struct MertonJumpDiffusion: Hashable, Sendable {
    /// Expected growth rate per year, jumps included: `E[S_t] = S_0 · e^{μt}`.
    public var drift: Double
    /// Diffusion volatility per √year.
    public var volatility: Double
    /// Expected number of jumps per year (λ).
    public var jumpIntensity: Double
    /// Mean of a jump's log size (μ_J); −0.1 is a fall of about 9.5%.
    public var jumpMean: Double
    /// Standard deviation of a jump's log size (σ_J).
    public var jumpVolatility: Double
    /// The natural log of the current price.
    public private(set) var logPrice: Double
    /// Jumps so far (for statistics and tests).
    public private(set) var jumpCount: Int = 0

    /// A process starting at `price` (> 0, quote currency per unit).
    public init(
        price: Double, drift: Double, volatility: Double,
        jumpIntensity: Double, jumpMean: Double, jumpVolatility: Double
    ) {
        precondition(price > 0 && price.isFinite, "jump-diffusion needs a positive price")
        self.drift = drift
        self.volatility = volatility
        self.jumpIntensity = jumpIntensity
        self.jumpMean = jumpMean
        self.jumpVolatility = jumpVolatility
        self.logPrice = DeterministicMath.log(price)
        self.price = price
    }

    /// The current price in quote currency per unit: exactly the starting price until
    /// the first step, then `exp(logPrice)`.
    public private(set) var price: Double

    /// κ = E[e^Y] − 1: the mean relative size of one jump.
    public var meanJumpReturn: Double {
        ChainMath.exp(jumpMean + 0.5 * jumpVolatility * jumpVolatility) - 1
    }

    /// Why these parameters cannot be used, or nil if they can (for world validation).
    public var problem: String? {
        if !drift.isFinite { return "drift must be finite" }
        if !(volatility >= 0 && volatility <= 20) { return "volatility must be in [0, 20]" }
        if !(jumpIntensity >= 0 && jumpIntensity <= 1e6) {
            return "jump intensity must be in [0, 1e6] per year"
        }
        if !(jumpMean > -10 && jumpMean < 10) { return "jump mean must be in (-10, 10)" }
        if !(jumpVolatility >= 0 && jumpVolatility <= 10) {
            return "jump volatility must be in [0, 10]"
        }
        return nil
    }

    /// Advances by `span`, drawing every shock from `random`; returns the new price.
    public mutating func advance(by span: SimTime, random: inout RandomStream) -> Double {
        let shock = random.normal()
        return advance(by: span, shock: shock, random: &random)
    }

    /// Advances by `span` with a given standard normal diffusion `shock` (correlated across
    /// assets by the market); the jumps are drawn from `random`, so they are independent
    /// between assets. Returns the new price.
    public mutating func advance(
        by span: SimTime, shock: Double, random: inout RandomStream
    ) -> Double {
        precondition(span.milliseconds >= 0, "time never goes backwards")
        let years = MarketYear.fraction(of: span)
        let compensatedDrift =
            drift - 0.5 * volatility * volatility - jumpIntensity * meanJumpReturn
        var increment = compensatedDrift * years + volatility * years.squareRoot() * shock
        let jumps = MarketSampling.poisson(mean: jumpIntensity * years, random: &random)
        if jumps > 0 {
            let count = Double(jumps)
            increment += count * jumpMean + jumpVolatility * count.squareRoot() * random.normal()
            jumpCount += jumps
        }
        logPrice += increment
        price = ChainMath.exp(logPrice)
        return price
    }
}

/// Samplers the market needs beyond the kernel's.
enum MarketSampling {
    /// Means above this are split into pieces (Poisson(a + b) = Poisson(a) + Poisson(b)),
    /// so `e^{-mean}` stays far from underflow and the inversion loop stays short.
    static let poissonPieceMean = 16.0

    /// A Poisson variate with the given mean, by inversion of the distribution function:
    /// one uniform per piece, walking `P(N = k)` up from `e^{-mean}`.
    ///
    /// Each piece's walk stops at 200 terms (for a mean ≤ 16 the tail beyond is below
    /// 1e-100), so the loop is bounded.
    static func poisson(mean: Double, random: inout RandomStream) -> Int {
        precondition(mean >= 0 && mean.isFinite, "a Poisson mean must be finite and >= 0")
        if mean == 0 { return 0 }
        var remaining = mean
        var total = 0
        while remaining > 0 {
            let piece = min(remaining, poissonPieceMean)
            remaining -= piece
            total += poissonPiece(mean: piece, random: &random)
        }
        return total
    }

    private static func poissonPiece(mean: Double, random: inout RandomStream) -> Int {
        let u = random.uniform()
        var probability = ChainMath.exp(-mean)
        var cumulative = probability
        var count = 0
        while u >= cumulative && count < 200 {
            count += 1
            probability *= mean / Double(count)
            cumulative += probability
        }
        return count
    }
}
