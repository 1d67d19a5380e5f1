import CascadeAgents
import CascadeChain
import CascadeKernel
import CascadeTestSupport
import Testing

/// The stochastic processes' distributions, checked against theory over many seeds.
@Suite("Market: price processes")
struct MarketProcessTests {
    @Test("GBM log-returns have mean (μ − σ²/2)Δt and variance σ²Δt (200 seeds)")
    func gbmMoments() {
        let drift = 0.5
        let volatility = 0.8
        let step = SimTime.days(1)
        let years = MarketYear.fraction(of: step)
        var returns: [Double] = []
        for seed in UInt64(1)...200 {
            var random = RandomStream(seed: seed, name: "market.ETH")
            var process = GeometricBrownianMotion(price: 100, drift: drift, volatility: volatility)
            for _ in 0..<100 {
                let before = process.logPrice
                _ = process.advance(by: step, random: &random)
                returns.append(process.logPrice - before)
            }
        }
        let (mean, variance) = MarketFixtures.moments(returns)
        let n = Double(returns.count)
        let expectedMean = (drift - 0.5 * volatility * volatility) * years
        let expectedVariance = volatility * volatility * years
        // Four standard errors: a false alarm about once in 16,000 runs (and the seeds are
        // fixed, so this either always passes or always fails).
        #expect(abs(mean - expectedMean) < 4 * (expectedVariance / n).squareRoot())
        #expect(abs(variance - expectedVariance) < 4 * expectedVariance * (2 / n).squareRoot())
    }

    @Test("GBM's exact step: one step of a year has the same law as 365 daily steps")
    func gbmStepInvariance() {
        var oneStep: [Double] = []
        var daily: [Double] = []
        for seed in UInt64(1)...2_000 {
            var random = RandomStream(seed: seed, name: "market.ETH")
            var process = GeometricBrownianMotion(price: 1, drift: 0.1, volatility: 0.5)
            oneStep.append(DeterministicMath.log(process.advance(by: .days(365), random: &random)))
            var stepped = GeometricBrownianMotion(price: 1, drift: 0.1, volatility: 0.5)
            for _ in 0..<365 { _ = stepped.advance(by: .days(1), random: &random) }
            daily.append(stepped.logPrice)
        }
        let a = MarketFixtures.moments(oneStep)
        let b = MarketFixtures.moments(daily)
        let standardError = (0.25 * 2 / 2_000.0).squareRoot()
        #expect(abs(a.mean - b.mean) < 4 * standardError)
        #expect(abs(a.mean - (0.1 - 0.125)) < 4 * (0.25 / 2_000.0).squareRoot())
        #expect(abs(a.variance - b.variance) < 0.05)
    }

    @Test("jump-diffusion: E[S_T] = S_0·e^{μT} (drift compensated), over 40 seeds")
    func jumpDiffusionMean() {
        let drift = 0.05
        var terminal: [Double] = []
        for seed in UInt64(1)...40 {
            var random = RandomStream(seed: seed, name: "market.ETH")
            for _ in 0..<1_000 {
                var process = MertonJumpDiffusion(
                    price: 1, drift: drift, volatility: 0.3,
                    jumpIntensity: 5, jumpMean: -0.1, jumpVolatility: 0.1)
                terminal.append(process.advance(by: .days(365), random: &random))
            }
        }
        let (mean, variance) = MarketFixtures.moments(terminal)
        let standardError = (variance / Double(terminal.count)).squareRoot()
        #expect(abs(mean - ChainMath.exp(drift)) < 4 * standardError, "mean \(mean)")
    }

    @Test("jump-diffusion: jumps arrive at λ per year (100 seeds × 1 year of daily steps)")
    func jumpFrequency() {
        let intensity = 50.0
        var jumps = 0
        var years = 0.0
        for seed in UInt64(1)...100 {
            var random = RandomStream(seed: seed, name: "market.ETH")
            var process = MertonJumpDiffusion(
                price: 100, drift: 0, volatility: 0.5,
                jumpIntensity: intensity, jumpMean: -0.02, jumpVolatility: 0.01)
            for _ in 0..<365 { _ = process.advance(by: .days(1), random: &random) }
            jumps += process.jumpCount
            years += 1
        }
        let expected = intensity * years
        #expect(abs(Double(jumps) - expected) < 4 * expected.squareRoot(), "jumps \(jumps)")
    }

    @Test("a large jump intensity per step is split, and its count keeps the right mean")
    func poissonSplitting() {
        var total = 0
        var random = RandomStream(seed: 11, name: "market.ETH")
        var process = MertonJumpDiffusion(
            price: 100, drift: 0, volatility: 0, jumpIntensity: 365 * 40, jumpMean: 0,
            jumpVolatility: 0)
        for _ in 0..<2_000 { _ = process.advance(by: .days(1), random: &random) }
        total = process.jumpCount
        // Mean 40 per step: 80,000 expected, standard deviation about 283.
        #expect(abs(Double(total) - 80_000) < 4 * 80_000.0.squareRoot(), "total \(total)")
        // Zero volatility and zero-size jumps: the compensated drift is exactly zero, so
        // only exp(log(100))'s last-bit rounding remains.
        #expect(abs(process.price - 100) < 1e-12)
    }

    @Test("scripted shocks: linear over the duration, instant at zero duration, multiplied")
    func scriptedShocks() throws {
        let crash = ScriptedShock(start: .minutes(10), change: -0.4, duration: .minutes(20))
        #expect(crash.factor(at: .minutes(9)) == 1)
        #expect(crash.factor(at: .minutes(10)) == 1)
        #expect(abs(crash.factor(at: .minutes(20)) - 0.8) < 1e-15)
        #expect(crash.factor(at: .minutes(30)) == 0.6)
        #expect(crash.factor(at: .days(1)) == 0.6)
        let jump = ScriptedShock(start: .minutes(5), change: 0.1)
        #expect(jump.factor(at: SimTime(milliseconds: 299_999)) == 1)
        #expect(jump.factor(at: .minutes(5)) == 1.1)
        #expect(abs(ScriptedShock.factor(of: [crash, jump], at: .hours(1)) - 0.66) < 1e-15)
        #expect(ScriptedShock(start: .zero, change: -1).problem != nil)

        // Layered on a base process: the shocked price is the base price times the factor.
        let configuration = MarketConfiguration(
            assets: [
                MarketAsset(
                    name: "ETH",
                    model: .geometricBrownian(
                        GeometricBrownianMotion(price: 200, drift: 0, volatility: 0.8)),
                    shocks: [crash])
            ],
            resolution: .seconds(1), horizon: .hours(1))
        let market = try MarketPath(configuration: configuration, seed: 5)
        let eth = try #require(market.asset(named: "ETH"))
        for minute in Int64(0)...60 {
            let time = SimTime.minutes(minute)
            let expected = market.basePrice(of: eth, at: time) * crash.factor(at: time)
            #expect(market.price(of: eth, at: time) == expected)
        }
    }

    @Test("bad parameters are refused with the asset's name")
    func validation() {
        let bad = MarketConfiguration(
            assets: [
                MarketAsset(
                    name: "ETH",
                    model: .geometricBrownian(
                        GeometricBrownianMotion(price: 200, drift: 0, volatility: -1)))
            ],
            resolution: .seconds(1), horizon: .hours(1))
        #expect(throws: MarketError.badAsset(name: "ETH", problem: "volatility must be in [0, 20]"))
        {
            _ = try MarketPath(configuration: bad, seed: 1)
        }
        let twice = MarketConfiguration(
            assets: [
                MarketAsset(name: "DAI", model: .constant(price: 1)),
                MarketAsset(name: "DAI", model: .constant(price: 1)),
            ],
            resolution: .seconds(1), horizon: .hours(1))
        #expect(throws: MarketError.duplicateAsset("DAI")) {
            _ = try MarketPath(configuration: twice, seed: 1)
        }
        let zeroStep = MarketConfiguration(
            assets: [], resolution: .zero, horizon: .hours(1))
        #expect(throws: MarketError.self) { _ = try MarketPath(configuration: zeroStep, seed: 1) }
    }
}
