import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

@Suite("Block production and background demand")
struct ProductionAndDemandTests {
    @Test func proofOfWorkIntervalsAreExponentialAroundTheMean() {
        var random = RandomStream(seed: 11, name: "pow")
        let model = BlockProduction.proofOfWork(meanInterval: .milliseconds(13_200))
        var total: Int64 = 0
        var longerThanMean = 0
        let draws = 50_000
        for _ in 0..<draws {
            let interval = model.nextInterval(random: &random).milliseconds
            #expect(interval >= 1)
            total += interval
            if interval > 13_200 { longerThanMean += 1 }
        }
        let mean = Double(total) / Double(draws)
        #expect(abs(mean - 13_200) < 13_200 * 0.02)
        // P(X > mean) = e^-1 ≈ 0.368 for an exponential.
        #expect(abs(Double(longerThanMean) / Double(draws) - 0.3679) < 0.01)
    }

    @Test func proofOfStakeMissesWholeSlots() {
        var random = RandomStream(seed: 12, name: "pos")
        let model = BlockProduction.ethereumProofOfStake(missedPerMillion: 50_000)
        var missed: Int64 = 0
        let draws = 40_000
        for _ in 0..<draws {
            let interval = model.nextInterval(random: &random).milliseconds
            #expect(interval % 12_000 == 0 && interval >= 12_000)
            missed += interval / 12_000 - 1
        }
        // Misses per block: p / (1 − p) = 0.0526 for p = 5%.
        #expect(abs(Double(missed) / Double(draws) - 0.0526) < 0.005)
        var always = RandomStream(seed: 1, name: "pos")
        #expect(
            BlockProduction.ethereumProofOfStake().nextInterval(random: &always)
                == .seconds(12))
    }

    @Test func sequencerIsFixed() {
        var random = RandomStream(seed: 1, name: "seq")
        let before = random
        #expect(
            BlockProduction.sequencer(interval: .milliseconds(250))
                .nextInterval(random: &random) == .milliseconds(250))
        #expect(random == before)
    }

    @Test func gasLimitScheduleImmediateAndVoted() {
        let changes = [GasLimitSchedule.Change(start: .hours(1), target: 12_500_000)]
        let immediate = GasLimitSchedule(
            initial: 10_000_000, changes: changes, adjustment: .immediate)
        #expect(immediate.gasLimit(at: .minutes(59), parentGasLimit: 10_000_000) == 10_000_000)
        #expect(immediate.gasLimit(at: .hours(1), parentGasLimit: 10_000_000) == 12_500_000)
        let voted = GasLimitSchedule(initial: 10_000_000, changes: changes)
        let next = voted.gasLimit(at: .hours(1), parentGasLimit: 10_000_000)
        #expect(next == 10_000_000 + 10_000_000 / 1024 - 1)
        #expect(EIP1559.isValidGasLimit(next, parentGasLimit: 10_000_000))
    }

    @Test func demandTiersDescendAndAddUp() {
        let demand = BackgroundDemand(
            schedule: DemandSchedule(
                constant: DemandLevel(
                    gasPerSecond: 1_000_000, medianPriceGwei: 50, spread: 0.7)))
        var random = RandomStream(seed: 2, name: "demand")
        var block = BackgroundBlock()
        for _ in 0..<100 {
            demand.draw(at: .zero, interval: .seconds(12), random: &random, into: &block)
            #expect(block.tierGas.reduce(0, +) == block.totalGas)
            #expect(block.tierPrices.count == BackgroundDemand.tierCount)
            #expect(zip(block.tierPrices, block.tierPrices.dropFirst()).allSatisfy { $0 >= $1 })
        }
        // The middle tiers straddle the median (50 gwei before the per-block noise).
        let quantiles = BackgroundDemand.tierQuantiles
        #expect(abs(quantiles[15] + quantiles[16]) < 1e-9)
        #expect(abs(quantiles[0] - 2.1538) < 1e-3)  // Φ⁻¹(63/64)
    }

    @Test func demandRespondsToStress() {
        let demand = BackgroundDemand(
            schedule: DemandSchedule(
                constant: DemandLevel(
                    gasPerSecond: 1_000_000, medianPriceGwei: 50, spread: 0.7)),
            stressQuantityElasticity: 2, stressPriceElasticity: 1)
        var calm = RandomStream(seed: 2, name: "demand")
        var stressed = calm
        var calmBlock = BackgroundBlock()
        var stressedBlock = BackgroundBlock()
        demand.draw(
            at: .zero, interval: .seconds(12), stress: 0, random: &calm,
            into: &calmBlock)
        demand.draw(
            at: .zero, interval: .seconds(12), stress: 0.5, random: &stressed,
            into: &stressedBlock)
        let ratio = Double(stressedBlock.totalGas) / Double(calmBlock.totalGas)
        #expect(abs(ratio - 2) < 1e-6)
        #expect(stressedBlock.tierPrices[10] > calmBlock.tierPrices[10] * 3 / 2 - 1)
    }

    @Test func deterministicExpMatchesKnownValues() {
        #expect(ChainMath.exp(0) == 1)
        #expect(abs(ChainMath.exp(1) - 2.718_281_828_459_045) < 1e-15)
        #expect(abs(ChainMath.exp(-3.5) / 0.030_197_383_422_318_501 - 1) < 1e-15)
        #expect(abs(ChainMath.exp(50) / 5.184_705_528_587_072e21 - 1) < 1e-14)
        #expect(abs(ChainMath.normalCDF(1.959_963_984_540_054) - 0.975) < 1e-10)
        #expect(ChainMath.roundedToNearest(2.5) == 3)
        #expect(ChainMath.roundedToNearest(-2.5) == -3)
        #expect(ChainMath.roundedToNearest(2.4999) == 2)
    }

    /// `roundedToNearest` (integer flags, no branch on the half) against the branching
    /// form it replaced and the standard library's rounding, bit for bit: halves and their
    /// neighbours one ulp away, both signs, and values from 10⁻³ to past 2⁵².
    @Test func roundedToNearestMatchesTheBranchingForm() {
        func branching(_ x: Double) -> Double {
            guard x.isFinite, abs(x) < 0x1p52 else { return x }
            let truncated = Double(Int64(x))
            let fraction = x - truncated
            if fraction >= 0.5 { return truncated + 1 }
            if fraction <= -0.5 { return truncated - 1 }
            return truncated
        }
        var random = RandomStream(seed: 5, name: "rounding")
        var values: [Double] = [0.5, -0.5, 0.49999999999999994, -0.49999999999999994, 0x1p52 - 0.5]
        for _ in 0..<20_000 {
            let magnitude = ChainMath.exp(random.uniform() * 45 - 7)
            let x = random.bernoulli(numerator: 1, denominator: 2) ? magnitude : -magnitude
            let half = (x.rounded(.towardZero) + (x < 0 ? -0.5 : 0.5))
            values += [x, half, half.nextUp, half.nextDown]
        }
        for x in values {
            let rounded = ChainMath.roundedToNearest(x)
            #expect(rounded.bitPattern == branching(x).bitPattern, "\(x)")
            #expect(rounded == x.rounded(.toNearestOrAwayFromZero), "\(x)")
        }
    }

    /// `ChainMath.wei` (a fast path below 2⁵², the general one above) against the standard
    /// library's rounding, half away from zero, saturating: halves and their neighbours one
    /// ulp away, from 10⁻³ wei to past 2¹²⁷, the fast path's bounds, and the values that
    /// give zero or the maximum.
    @Test func weiRoundsToTheNearestWeiOnBothPaths() {
        func expected(_ value: Double) -> Wei {
            guard value.isFinite, value > 0 else { return value == .infinity ? .max : 0 }
            if value >= 0x1p127 { return .max }
            return Wei(value.rounded(.toNearestOrAwayFromZero))
        }
        var random = RandomStream(seed: 6, name: "wei")
        var values: [Double] = [
            0, -0.0, -1, 0.5, 0.49999999999999994, .leastNonzeroMagnitude, 0x1p52,
            (0x1p52 as Double).nextDown, 0x1p52 - 0.5, 0x1p64, 0x1p127,
            (0x1p127 as Double).nextDown,
            .infinity, -.infinity, .nan, .greatestFiniteMagnitude,
        ]
        for _ in 0..<20_000 {
            let value = ChainMath.exp(random.uniform() * 97 - 7)
            let half = value.rounded(.towardZero) + 0.5
            values += [value, half, half.nextUp, half.nextDown]
        }
        var fast = 0
        for value in values {
            #expect(ChainMath.wei(value) == expected(value), "\(value)")
            if value > 0 && value < 0x1p52 { fast += 1 }
        }
        // Both paths are exercised.
        #expect(fast > values.count / 4 && fast < values.count * 3 / 4)
    }

    /// Under EIP-1559 the base fee climbs while demand exceeds the target and falls back
    /// when it eases: the congestion schedule drives the base-fee path.
    @Test func baseFeeFollowsTheCongestionSchedule() {
        var fixture = ChainFixture(market: .eip1559, agents: 1, gasLimit: 30_000_000)
        let demand = BackgroundDemand(
            schedule: DemandSchedule([
                .init(
                    start: .zero,
                    level: DemandLevel(
                        gasPerSecond: 2_500_000, medianPriceGwei: 30, spread: 0.6)),
                .init(
                    start: .hours(1),
                    level: DemandLevel(
                        gasPerSecond: 400_000, medianPriceGwei: 30, spread: 0.6)),
            ]))
        var random = RandomStream(seed: 9, name: "background")
        var background = BackgroundBlock()
        var peak: Wei = 0
        for _ in 0..<600 {
            let time = fixture.chain.head.time + .seconds(12)
            demand.draw(at: time, interval: .seconds(12), random: &random, into: &background)
            fixture.produce(background: background)
            peak = max(peak, fixture.result.input.baseFee)
        }
        // Demand of 30M gas a block at a 15M target pushes the base fee up to where only
        // about half the demand is still willing to pay: near the median, 30 gwei.
        #expect(peak > .gwei(20) && peak < .gwei(60))
        #expect(fixture.result.input.baseFee < .gwei(10))
    }
}

@Suite("Stress gauge")
struct StressGaugeTests {
    @Test func calmMarketHasNoStressAndACrashRaisesIt() {
        var gauge = StressGauge(calmAbsoluteReturn: 0.001, weight: 0.1)
        #expect(gauge.stress == 0)
        var price = 100.0
        for step in 0..<50 {
            let next = price * (step % 2 == 0 ? 1.001 : 1 / 1.001)
            gauge.observe(previous: price, current: next)
            price = next
        }
        #expect(gauge.stress < 0.01)
        for _ in 0..<20 {
            gauge.observe(previous: price, current: price * 0.99)
            price *= 0.99
        }
        // Ten times the calm move for long enough: stress near 9.
        #expect(gauge.stress > 7 && gauge.stress < 9)
    }

    @Test func resultCountsBackgroundTransactions() {
        var fixture = ChainFixture(market: .legacy, agents: 1)
        fixture.produce(
            background: BackgroundBlock(
                tierGas: [1_000_000], tierPrices: [.gwei(10)], priorityFee: 0,
                gasPerTransaction: 40_000))
        #expect(fixture.result.backgroundTransactionEstimate == 25)
        #expect(fixture.chain.makeBlockResult().receipts.isEmpty)
    }
}
