import CascadeContracts
import CascadeTestSupport
import Testing

// Black-Scholes-Merton prices and Greeks (REFERENCE.md §8.1–8.2) and the deterministic
// elementary functions under them.

private func relative(_ value: Double, _ expected: Double) -> Double {
    abs(value - expected) / max(abs(expected), 1e-300)
}

private func bsm(
    _ kind: OptionKind, s: Double, k: Double, r: Double, q: Double = 0, sigma: Double,
    t: Double
) -> BlackScholes {
    BlackScholes(
        kind: kind, spot: s, strike: k, rate: r, dividendYield: q, volatility: sigma, years: t)
}

@Suite("Option pricing")
struct OptionPricingTests {
    // 30-digit values from mpmath 1.3.0 (`mpmath.erfc`, `mpmath.ncdf`, mp.dps = 30).
    @Test(arguments: [
        (-3.0, 1.9999779095030014146), (-1, 1.8427007929497148693),
        (0.1, 0.8875370839817151016), (0.5, 0.47950012218695346232),
        (1, 0.15729920705028513066), (1.49, 0.035102135156795788985),
        (1.5, 0.033894853524689272933), (2, 0.0046777349810472658379),
        (3, 0.000022090496998585441373), (5, 1.5374597944280348502e-12),
        (8, 1.122429717298292708e-29),
    ])
    func erfcAgainstHighPrecision(x: Double, expected: Double) {
        #expect(relative(OptionMath.erfc(x), expected) < 1e-14, "x = \(x)")
    }

    @Test(arguments: [
        (-8.0, 6.2209605742717841235e-16), (-5, 2.8665157187919391167e-7),
        (-2, 0.0227501319481792072), (0.3, 0.61791142218895263307),
        (1.96, 0.97500210485177956379),
    ])
    func normalCDFAgainstHighPrecision(z: Double, expected: Double) {
        #expect(relative(OptionMath.normalCDF(z), expected) < 1e-14, "z = \(z)")
    }

    // exp and log against exact identities and known constants (e, ln 2, ln 10 to 20
    // digits), and against each other over many seeded points.
    @Test func expAndLog() {
        #expect(OptionMath.exp(0) == 1)
        #expect(relative(OptionMath.exp(1), 2.718_281_828_459_045_235_36) < 4e-16)
        #expect(relative(OptionMath.log(2), 0.693_147_180_559_945_309_42) < 4e-16)
        #expect(relative(OptionMath.log(10), 2.302_585_092_994_045_684_02) < 4e-16)
        #expect(OptionMath.log(1) == 0)
        var random = OperandGenerator(seed: 7)
        for _ in 0..<2_000 {
            let x = (Double(random.next(below: 1 << 40)) / Double(1 << 40) - 0.5) * 60
            let roundTrip = OptionMath.log(OptionMath.exp(x))
            #expect(abs(roundTrip - x) <= 1e-15 * max(1, abs(x)) * 4, "x = \(x)")
        }
    }

    // Hull, Options, Futures, and Other Derivatives, the BSM example (S 42, K 40, r 10%,
    // σ 20%, T 0.5): c = 4.76, p = 0.81; REFERENCE.md §8.2 gives the scipy values to 10
    // digits, with the Greeks.
    @Test func hullExample() {
        let call = bsm(.call, s: 42, k: 40, r: 0.10, sigma: 0.20, t: 0.5).valuation
        let put = bsm(.put, s: 42, k: 40, r: 0.10, sigma: 0.20, t: 0.5).valuation
        #expect(abs(call.d1 - 0.769_262_628_1) < 1e-10)
        #expect(abs(call.d2 - 0.627_841_271_9) < 1e-10)
        #expect(abs(call.price - 4.759_422_392_9) < 1e-10)
        #expect(abs(put.price - 0.808_599_372_9) < 1e-10)
        #expect(abs(call.delta - 0.779_131_290_9) < 1e-10)
        #expect(abs(call.gamma - 0.049_962_670_4) < 1e-10)
        #expect(abs(call.vega - 8.813_415_059_6) < 1e-9)
        #expect(abs(call.theta - -4.559_092_194_6) < 1e-9)
        #expect(abs(call.rho - 13.982_045_913_4) < 1e-9)
        #expect(abs(put.delta - -0.220_868_709_1) < 1e-10)
        #expect(abs(put.theta - -0.754_174_496_6) < 1e-9)
        #expect(abs(put.rho - -5.042_542_576_7) < 1e-9)
        #expect(abs((call.price - put.price) - 3.950_823_020_0) < 1e-9)
    }

    // Hull's Greeks example (S 49, K 50, r 5%, σ 20%, T 20 weeks = 0.3846 years):
    // REFERENCE.md §8.2 gives c = 2.40046109, Δ 0.52160163, Γ 0.06554538, vega 12.10524275,
    // Θ −4.30538996/yr, ρ 8.9065741 (Hull rounds to 0.522, 0.066, 12.1, −4.31, 8.91); those
    // digits are for T = 0.3846 exactly, the rounded 20/52 Hull uses.
    @Test func hullGreeksExample() {
        let call = bsm(.call, s: 49, k: 50, r: 0.05, sigma: 0.20, t: 0.3846).valuation
        #expect(abs(call.price - 2.400_461_09) < 1e-8)
        #expect(abs(call.delta - 0.521_601_63) < 1e-8)
        #expect(abs(call.gamma - 0.065_545_38) < 1e-8)
        #expect(abs(call.vega - 12.105_242_75) < 1e-7)
        #expect(abs(call.theta - -4.305_389_96) < 1e-7)
        #expect(abs(call.rho - 8.906_574_1) < 1e-6)
    }

    // Haug, The Complete Guide to Option Pricing Formulas, generalised BSM table
    // (REFERENCE.md §8.2), values to 4 decimals. The grid's call 100/100/0.1/0.15 is printed
    // 1.8734 where the exact value is 1.873345 (scipy), so the bound is 1e-4, not 5e-5.
    @Test(arguments: [
        (OptionKind.call, 65.0, 60.0, 0.0, 0.08, 0.25, 0.30, 2.1334),
        (.put, 95, 100, 0.05, 0.10, 0.50, 0.20, 2.4648),
        (.put, 19, 19, 0.10, 0.10, 0.75, 0.28, 1.7011),
        (.call, 19, 19, 0.10, 0.10, 0.75, 0.28, 1.7011),
        (.call, 1.60, 1.56, 0.08, 0.06, 0.50, 0.12, 0.0291),
        (.put, 70, 75, 0.05, 0.10, 0.50, 0.35, 4.0870),
        (.call, 100, 100, 0.10, 0.10, 0.50, 0.25, 6.6997),
        (.put, 100, 110, 0.10, 0.10, 0.50, 0.35, 5.7963),
        (.call, 40, 42, 0.08, 0.04, 0.75, 0.35, 5.0975),
        (.call, 100, 100, 0.10, 0.10, 0.1, 0.15, 1.8734),
        (.put, 100, 90, 0.10, 0.10, 0.5, 0.35, 14.4452),
    ])
    func haugTable(
        kind: OptionKind, strike: Double, spot: Double, q: Double, r: Double, t: Double,
        sigma: Double, expected: Double
    ) {
        let price = bsm(kind, s: spot, k: strike, r: r, q: q, sigma: sigma, t: t).price
        #expect(abs(price - expected) < 0.000_1, "\(kind) K \(strike) S \(spot): \(price)")
    }

    // Haug pp. 11–16 (`testGreekValues`, REFERENCE.md §8.2).
    @Test func haugGreeks() {
        let deltaCall = bsm(.call, s: 105, k: 100, r: 0.10, q: 0.10, sigma: 0.36, t: 0.5)
        let deltaPut = bsm(.put, s: 105, k: 100, r: 0.10, q: 0.10, sigma: 0.36, t: 0.5)
        #expect(abs(deltaCall.valuation.delta - 0.5946) < 0.000_05)
        #expect(abs(deltaPut.valuation.delta - -0.3566) < 0.000_05)
        // Elasticity Δ·S/P.
        let elasticity = deltaPut.valuation.delta * 105 / deltaPut.price
        #expect(abs(elasticity - -4.8775) < 0.000_05)
        let gammaVega = bsm(.call, s: 55, k: 60, r: 0.10, sigma: 0.30, t: 0.75).valuation
        #expect(abs(gammaVega.gamma - 0.0278) < 0.000_05)
        #expect(abs(gammaVega.vega - 18.9358) < 0.000_05)
        let theta = bsm(.put, s: 430, k: 405, r: 0.07, q: 0.05, sigma: 0.20, t: 1.0 / 12)
        #expect(abs(theta.valuation.theta - -31.1924) < 0.000_05)
        #expect(abs(theta.valuation.theta / 365 - -0.0855) < 0.000_05)
        let rho = bsm(.call, s: 72, k: 75, r: 0.09, sigma: 0.19, t: 1).valuation
        #expect(abs(rho.rho - 38.7325) < 0.000_05)
        // The put's dividend rho, −∂P/∂q… Haug's sign: ∂P/∂q = S·T·e^{−qT}·N(−d1).
        let put = bsm(.put, s: 500, k: 490, r: 0.08, q: 0.05, sigma: 0.15, t: 0.25)
        let dividendRho =
            500 * 0.25 * OptionMath.exp(-0.05 * 0.25) * OptionMath.normalCDF(-put.valuation.d1)
        #expect(abs(dividendRho - 42.2254) < 0.000_05)
    }

    // Put-call parity C − P = S e^{−qT} − K e^{−rT} over seeded random inputs.
    @Test(arguments: 0..<20 as Range<UInt64>)
    func putCallParity(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<200 {
            let inputs = Self.randomInputs(&random)
            var call = inputs
            call.kind = .call
            var put = inputs
            put.kind = .put
            let forwardGap =
                inputs.spot * OptionMath.exp(-inputs.dividendYield * inputs.years)
                - inputs.strike * OptionMath.exp(-inputs.rate * inputs.years)
            let scale = max(inputs.spot, inputs.strike)
            #expect(
                abs(call.price - put.price - forwardGap) <= 1e-12 * scale,
                "seed \(seed): \(inputs)")
        }
    }

    // Every Greek against a central finite difference of the price.
    @Test(arguments: 0..<20 as Range<UInt64>)
    func greeksMatchFiniteDifferences(seed: UInt64) {
        var random = OperandGenerator(seed: seed)
        for _ in 0..<50 {
            var model = Self.randomInputs(&random)
            model.kind = random.next(below: 2) == 0 ? .call : .put
            let v = model.valuation
            func price(_ change: (inout BlackScholes) -> Void) -> Double {
                var copy = model
                change(&copy)
                return copy.price
            }
            let hs = model.spot * 1e-4
            let delta = (price { $0.spot += hs } - price { $0.spot -= hs }) / (2 * hs)
            let gamma =
                (price { $0.spot += hs } - 2 * model.price + price { $0.spot -= hs }) / (hs * hs)
            let hv = 1e-5
            let vega = (price { $0.volatility += hv } - price { $0.volatility -= hv }) / (2 * hv)
            let hr = 1e-5
            let rho = (price { $0.rate += hr } - price { $0.rate -= hr }) / (2 * hr)
            let ht = 1e-6
            // Theta is the change as calendar time passes: minus the derivative in T.
            let theta = -(price { $0.years += ht } - price { $0.years -= ht }) / (2 * ht)
            let scale = max(model.spot, model.strike)
            let context = "seed \(seed): \(model)"
            #expect(abs(delta - v.delta) < 1e-6, "\(context)")
            #expect(abs(gamma - v.gamma) < 1e-4 / model.spot + 1e-5, "\(context)")
            #expect(abs(vega - v.vega) < 1e-6 * scale, "\(context)")
            #expect(abs(rho - v.rho) < 1e-6 * scale, "\(context)")
            #expect(abs(theta - v.theta) < 1e-4 * scale, "\(context)")
        }
    }

    @Test func expiredAndZeroVolatilityLimits() {
        let expiredCall = bsm(.call, s: 110, k: 100, r: 0.05, sigma: 0.5, t: 0)
        #expect(expiredCall.price == 10)
        #expect(expiredCall.valuation.delta == 1)
        let expiredPut = bsm(.put, s: 110, k: 100, r: 0.05, sigma: 0.5, t: 0)
        #expect(expiredPut.price == 0)
        #expect(expiredPut.valuation.delta == 0)
    }

    static func randomInputs(_ random: inout OperandGenerator) -> BlackScholes {
        func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * Double(random.next(below: 1 << 40)) / Double(1 << 40)
        }
        let spot = uniform(10, 5_000)
        return BlackScholes(
            kind: .call, spot: spot, strike: spot * uniform(0.6, 1.5), rate: uniform(0, 0.1),
            dividendYield: uniform(0, 0.05), volatility: uniform(0.1, 1.2),
            years: uniform(0.02, 2))
    }
}
