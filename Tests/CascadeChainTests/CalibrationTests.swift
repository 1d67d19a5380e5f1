import CascadeCore
import CascadeKernel
import Testing

@testable import CascadeChain

/// Black Thursday, 2020-03-12 (HISTORY.md §1): hourly average gas prices, gwei, UTC hours
/// 00–23, from an Anyblock index of all mainnet transactions as used by the StableSims
/// study. Blocks then: proof of work about 13 s apart, gas limit about 10M.
let blackThursdayHourlyAverageGwei: [Double] = [
    10, 12, 16, 14, 25, 17, 30, 33, 41, 38, 72, 93,
    123, 146, 177, 195, 188, 177, 113, 84, 79, 80, 82, 96,
]

@Suite("Congestion calibration")
struct CalibrationTests {
    /// A schedule fitted with `DemandCalibration` reproduces the hourly averages under the
    /// legacy market, with 13.2 s proof-of-work blocks at a 10M gas limit, demand 30% above
    /// capacity, a spread of 0.5, and per-block noise — simulated from a different seed
    /// than the one used to fit. Tolerance: each hour within 10% of its target (an hour is
    /// about 270 blocks, and the gas-weighted mean of a congested hour moves with the
    /// long-interval blocks, whose demand is deeper).
    @Test(arguments: [UInt64(2020), 2021, 2022, 7])
    func blackThursdayHourlyAverageGasPrices(seed: UInt64) {
        let gasLimit: Gas = 10_000_000
        let production = BlockProduction.proofOfWork(meanInterval: .milliseconds(13_200))
        let gasPerSecond = 1.3 * Double(gasLimit) / 13.2
        let spread = 0.5
        let factor = DemandCalibration.averagePriceFactor(
            gasPerSecond: gasPerSecond, spread: spread, quantityNoise: 0.2, priceNoise: 0.1,
            gasLimit: gasLimit, production: production, blocks: 20_000)
        let demand = BackgroundDemand(
            schedule: DemandCalibration.hourlySchedule(
                hourlyAverageGwei: blackThursdayHourlyAverageGwei, gasPerSecond: gasPerSecond,
                spread: spread, factor: factor),
            quantityNoise: 0.2, priceNoise: 0.1)

        var fixture = ChainFixture(
            market: .legacy, agents: 1, gasLimit: gasLimit, production: production)
        var blockRandom = RandomStream(seed: seed, name: "blocks")
        var demandRandom = RandomStream(seed: seed, name: "background")
        var background = BackgroundBlock()
        var fees = [Wei](repeating: 0, count: 24)
        var gas = [Gas](repeating: 0, count: 24)
        while true {
            let interval = production.nextInterval(random: &blockRandom)
            let time = fixture.chain.head.time + interval
            let hour = Int(time.milliseconds / 3_600_000)
            if hour >= 24 { break }
            demand.draw(at: time, interval: interval, random: &demandRandom, into: &background)
            fixture.chain.produceBlock(
                at: time, producer: ChainFixture.producer, background: background,
                into: &fixture.result)
            let result = fixture.result
            fees[hour] += result.backgroundBurned + result.backgroundTips
            gas[hour] += result.gasUsed
        }
        var worst = 0.0
        for hour in 0..<24 {
            let average = Double(fees[hour] / Wei(gas[hour])) / 1e9
            let target = blackThursdayHourlyAverageGwei[hour]
            let error = average / target - 1
            worst = max(worst, abs(error))
            #expect(abs(error) <= 0.10, "seed \(seed), hour \(hour): \(average) gwei vs \(target)")
        }
        print("Black Thursday calibration, seed \(seed): factor \(factor), worst hour \(worst)")
    }
}
