/// An implied-volatility surface: a term structure of at-the-money volatility and a smile
/// in log-moneyness around it. Parameters are integers (ppm), as a contract stores them.
///
/// **Skewed** (the usual choice; crypto and equity index surfaces both price downside
/// strikes above the money):
/// ```
/// σ_atm(T): total variance w = σ²T interpolated linearly in T between the world's tenors,
///           flat volatility before the first tenor and after the last
/// x       = ln(K/F) / √T              (F = S·e^{(r−q)T}; moneyness per unit of √time)
/// σ(K, T) = σ_atm(T) · (1 + skew·x + curvature·x²), clamped to [1%, 1000%]
/// ```
/// A negative `skew` makes puts (low strikes) dearer than calls; `curvature` lifts both
/// wings. Scaling moneyness by `√T` keeps a slice's shape comparable across expiries (the
/// same scaling as SVI's "natural" parameterisation); it is a simple quadratic smile, not a
/// calibrated SVI fit, which is enough for margin and marks in a simulation.
///
/// **Flat**: one volatility for every strike and expiry. Seed 001 calls flat-vol margin
/// "structurally compromised" because it under-prices the crash puts a short-put book
/// loses on; it is here as an explicit choice of a world, for counterfactuals.
public struct VolatilitySurface: Hashable, Sendable {
    /// One point of the at-the-money term structure.
    public struct Tenor: Hashable, Sendable {
        public var seconds: UInt64
        public var volatilityPpm: Int64

        public init(seconds: UInt64, volatilityPpm: Int64) {
            self.seconds = seconds
            self.volatilityPpm = volatilityPpm
        }
    }

    public enum Shape: Hashable, Sendable {
        case flat(volatilityPpm: Int64)
        /// Tenors in increasing order; skew and curvature in ppm (−150,000 = −0.15).
        case skewed(atm: [Tenor], skewPpm: Int64, curvaturePpm: Int64)
    }

    public var shape: Shape

    /// The floor and cap of any volatility the surface returns.
    public static let minimumVolatility = 0.01
    public static let maximumVolatility = 10.0

    public init(shape: Shape) {
        if case .skewed(let atm, _, _) = shape {
            precondition(!atm.isEmpty, "a skewed surface needs at least one tenor")
            precondition(
                zip(atm, atm.dropFirst()).allSatisfy { $0.seconds < $1.seconds },
                "tenors must increase")
            precondition(atm.allSatisfy { $0.seconds > 0 && $0.volatilityPpm > 0 })
        }
        if case .flat(let volatility) = shape { precondition(volatility > 0) }
        self.shape = shape
    }

    /// Whether this is the flat surface.
    public var isFlat: Bool {
        if case .flat = shape { true } else { false }
    }

    /// The at-the-money volatility at `years` to expiry.
    public func atmVolatility(years: Double) -> Double {
        switch shape {
        case .flat(let volatility):
            return Double(volatility) / 1e6
        case .skewed(let atm, _, _):
            let secondsPerYear = OptionsMath.secondsPerYear
            let first = atm[0]
            let last = atm[atm.count - 1]
            let firstYears = Double(first.seconds) / secondsPerYear
            let lastYears = Double(last.seconds) / secondsPerYear
            if years <= firstYears { return Double(first.volatilityPpm) / 1e6 }
            if years >= lastYears { return Double(last.volatilityPpm) / 1e6 }
            var lower = first
            for upper in atm.dropFirst() {
                let upperYears = Double(upper.seconds) / secondsPerYear
                if years <= upperYears {
                    let lowerYears = Double(lower.seconds) / secondsPerYear
                    let lowerVol = Double(lower.volatilityPpm) / 1e6
                    let upperVol = Double(upper.volatilityPpm) / 1e6
                    let lowerVariance = lowerVol * lowerVol * lowerYears
                    let upperVariance = upperVol * upperVol * upperYears
                    let weight = (years - lowerYears) / (upperYears - lowerYears)
                    let variance = lowerVariance + weight * (upperVariance - lowerVariance)
                    return (variance / years).squareRoot()
                }
                lower = upper
            }
            return Double(last.volatilityPpm) / 1e6
        }
    }

    /// The volatility of strike `strike` on forward `forward` at `years` to expiry, times
    /// `scale` (a volatility shock: 1 = none), clamped to the surface's bounds.
    public func volatility(strike: Double, forward: Double, years: Double, scale: Double = 1)
        -> Double
    {
        Self.clamped(smiled(strike: strike, forward: forward, years: years) * scale)
    }

    /// `σ_atm(T) × smile(K)` before any shock and clamp: `volatility(…, scale: s)` is
    /// `clamped(smiled(…) × s)`, so a stress grid reads the smile once per series.
    public func smiled(strike: Double, forward: Double, years: Double) -> Double {
        let atm = atmVolatility(years: years)
        var smile = 1.0
        if case .skewed(_, let skewPpm, let curvaturePpm) = shape, years > 0, strike > 0,
            forward > 0
        {
            let x = OptionMath.log(strike / forward) / years.squareRoot()
            smile = 1 + (Double(skewPpm) / 1e6) * x + (Double(curvaturePpm) / 1e6) * x * x
        }
        return atm * smile
    }

    /// `volatility` clamped to the surface's bounds.
    public static func clamped(_ volatility: Double) -> Double {
        min(max(volatility, minimumVolatility), maximumVolatility)
    }
}

/// Shared constants of the options contracts.
public enum OptionsMath {
    /// A year of 365 days, in seconds: option tenors count calendar time.
    public static let secondsPerYear = 31_536_000.0
    public static let secondsPerDay = 86_400.0
    /// WAD as a `Double`, for converting stored amounts into pricing inputs.
    public static let wad = 1e18
}

extension OptionsMath {
    /// `Double(value)`: the nearest `Double`, ties to even — the same value as the standard
    /// library's conversion, bit for bit — without its generic path. The standard library
    /// converts an `Int128` through `BinaryInteger`'s witnesses, which was half the cost of
    /// a risk table (every strike, spot and size is converted in every scenario).
    ///
    /// How: a magnitude of at most 64 bits converts as a `UInt64`. A wider one keeps its top
    /// 64 bits, with the lowest bit set when any bit below them is non-zero (a sticky bit:
    /// a `Double` keeps 53 bits, so bit 0 of the 64 only decides a tie), converts them, and
    /// scales by the power of two shifted out (exact).
    public static func double(_ value: Int128) -> Double {
        let magnitude = value.magnitude
        let high = UInt64(truncatingIfNeeded: magnitude >> 64)
        let result: Double
        if high == 0 {
            result = Double(UInt64(truncatingIfNeeded: magnitude))
        } else {
            let shift = 64 - high.leadingZeroBitCount
            let top = UInt64(truncatingIfNeeded: magnitude >> shift)
            let lost = magnitude & ((1 << shift) - 1)
            result =
                Double(top | (lost == 0 ? 0 : 1))
                * Double(sign: .plus, exponent: shift, significand: 1)
        }
        return value < 0 ? -result : result
    }
}
