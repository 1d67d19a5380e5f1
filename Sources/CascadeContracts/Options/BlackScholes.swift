/// The generalised Black-Scholes-Merton model (Haug's form with carry `b = r − q`): the
/// price and Greeks of a European call or put.
///
/// Formulas (REFERENCE.md §8.1; Hull, *Options, Futures, and Other Derivatives*, ch. 15 and
/// 19; Haug, *The Complete Guide to Option Pricing Formulas*, §1.1):
/// ```
/// d1 = [ln(S/K) + (r − q + σ²/2)T] / (σ√T),  d2 = d1 − σ√T
/// C  = S e^{−qT} N(d1) − K e^{−rT} N(d2),    P = K e^{−rT} N(−d2) − S e^{−qT} N(−d1)
/// ```
/// Greeks per unit of the underlying: delta, gamma, vega (per 1.00 of volatility), theta
/// (per year, the price's change as calendar time passes), rho (per 1.00 of rate).
///
/// Everything is `Double` through `OptionMath` (IEEE `+ − × ÷ √` only), so the same inputs
/// give the same bits on every machine. At expiry (`T ≤ 0`) or zero volatility the price is
/// the discounted intrinsic value of the forward and the Greeks are those of that limit
/// (delta 0 or ±1 discounted, the others 0), so a contract never divides by zero.
///
/// ```swift
/// let hull = BlackScholes(kind: .call, spot: 42, strike: 40, rate: 0.10, dividendYield: 0,
///     volatility: 0.20, years: 0.5)
/// hull.price  // 4.7594223929…
/// ```
public struct BlackScholes: Hashable, Sendable {
    public var kind: OptionKind
    public var spot: Double
    public var strike: Double
    /// Continuously compounded risk-free rate, per year.
    public var rate: Double
    /// Continuous dividend yield (or foreign rate, or lease rate), per year.
    public var dividendYield: Double
    /// Annualised volatility (0.2 = 20%).
    public var volatility: Double
    /// Time to expiry in years.
    public var years: Double

    public init(
        kind: OptionKind, spot: Double, strike: Double, rate: Double, dividendYield: Double = 0,
        volatility: Double, years: Double
    ) {
        self.kind = kind
        self.spot = spot
        self.strike = strike
        self.rate = rate
        self.dividendYield = dividendYield
        self.volatility = volatility
        self.years = years
    }

    /// The price and Greeks in one pass.
    public struct Valuation: Hashable, Sendable {
        public var price: Double
        public var delta: Double
        public var gamma: Double
        public var vega: Double
        /// Per year.
        public var theta: Double
        public var rho: Double
        /// `d1`, `d2` (0 at the degenerate limits).
        public var d1: Double
        public var d2: Double
    }

    /// The price alone.
    public var price: Double {
        Self.price(
            kind: kind, spot: spot, strike: strike, rate: rate, dividendYield: dividendYield,
            volatility: volatility, years: years,
            carryDiscount: OptionMath.exp(-dividendYield * max(years, 0)),
            discount: OptionMath.exp(-rate * max(years, 0)))
    }

    /// The price alone, given the two discounts `e^{−qT}` and `e^{−rT}` (`T` floored at 0):
    /// a caller pricing one series at many spots and volatilities (a stress grid) computes
    /// them once. The same operations in the same order as `valuation`'s price, so the same
    /// bits; the Greeks are not computed.
    public static func price(
        kind: OptionKind, spot: Double, strike: Double, rate: Double, dividendYield: Double,
        volatility: Double, years: Double, carryDiscount: Double, discount: Double
    ) -> Double {
        let isCall = kind == .call
        let deviation = volatility * max(years, 0).squareRoot()
        guard years > 0, deviation > 0, spot > 0, strike > 0 else {
            let forwardValue = spot * carryDiscount - strike * discount
            let inTheMoney = isCall ? forwardValue > 0 : forwardValue < 0
            return inTheMoney ? abs(forwardValue) : 0
        }
        let d1 =
            (OptionMath.log(spot / strike)
                + (rate - dividendYield + 0.5 * volatility * volatility) * years) / deviation
        let d2 = d1 - deviation
        let spotCarry = spot * carryDiscount
        let strikeDiscount = strike * discount
        if isCall {
            return spotCarry * OptionMath.normalCDF(d1) - strikeDiscount * OptionMath.normalCDF(d2)
        }
        return strikeDiscount * OptionMath.normalCDF(-d2) - spotCarry * OptionMath.normalCDF(-d1)
    }

    /// The price and every Greek.
    public var valuation: Valuation {
        let isCall = kind == .call
        let carryDiscount = OptionMath.exp(-dividendYield * max(years, 0))
        let discount = OptionMath.exp(-rate * max(years, 0))
        let deviation = volatility * max(years, 0).squareRoot()
        guard years > 0, deviation > 0, spot > 0, strike > 0 else {
            // The limit: the discounted payoff on the forward.
            let forwardValue = spot * carryDiscount - strike * discount
            let inTheMoney = isCall ? forwardValue > 0 : forwardValue < 0
            let price = inTheMoney ? abs(forwardValue) : 0
            let delta = inTheMoney ? (isCall ? carryDiscount : -carryDiscount) : 0
            return Valuation(
                price: price, delta: delta, gamma: 0, vega: 0, theta: 0, rho: 0, d1: 0, d2: 0)
        }
        let rootYears = years.squareRoot()
        let d1 =
            (OptionMath.log(spot / strike)
                + (rate - dividendYield + 0.5 * volatility * volatility) * years) / deviation
        let d2 = d1 - deviation
        let density = OptionMath.normalDensity(d1)
        let spotCarry = spot * carryDiscount
        let strikeDiscount = strike * discount
        let gamma = carryDiscount * density / (spot * deviation)
        let vega = spotCarry * density * rootYears
        let decay = -spotCarry * density * volatility / (2 * rootYears)
        if isCall {
            let nd1 = OptionMath.normalCDF(d1)
            let nd2 = OptionMath.normalCDF(d2)
            return Valuation(
                price: spotCarry * nd1 - strikeDiscount * nd2, delta: carryDiscount * nd1,
                gamma: gamma, vega: vega,
                theta: decay - rate * strikeDiscount * nd2 + dividendYield * spotCarry * nd1,
                rho: strike * years * discount * nd2, d1: d1, d2: d2)
        }
        let nMinusD1 = OptionMath.normalCDF(-d1)
        let nMinusD2 = OptionMath.normalCDF(-d2)
        return Valuation(
            price: strikeDiscount * nMinusD2 - spotCarry * nMinusD1,
            delta: -carryDiscount * nMinusD1, gamma: gamma, vega: vega,
            theta: decay + rate * strikeDiscount * nMinusD2
                - dividendYield * spotCarry * nMinusD1,
            rho: -strike * years * discount * nMinusD2, d1: d1, d2: d2)
    }
}

/// A European call or put.
public enum OptionKind: String, Hashable, Sendable {
    case call
    case put
}
