import CascadeCore
import CascadeKernel

/// Fits a demand schedule to observed average gas prices (a historical world's input).
///
/// Under a legacy market with no agents, every included price is the tier median times a
/// factor that does not depend on the median: the tiers' multipliers, the per-block noise
/// and the cut-off at the gas limit are all scale-free. So the gas-weighted average price
/// of a period is `median × F`, where `F` depends only on the demand rate, the spread, the
/// noise, the gas limit and the block-time model. `averagePriceFactor` estimates `E[F]`
/// by simulating blocks from a fixed seed, and a schedule with
/// `median_h = target_h / F` reproduces the targets up to sampling noise.
public enum DemandCalibration {
    /// The gas-weighted average price of included background gas, in units of the median,
    /// over `blocks` simulated blocks (deterministic: the stream is seeded here).
    public static func averagePriceFactor(
        gasPerSecond: Double, spread: Double, quantityNoise: Double, priceNoise: Double,
        gasLimit: Gas, production: BlockProduction, blocks: Int = 5_000, seed: UInt64 = 1
    ) -> Double {
        let medianGwei = 1_000.0
        let demand = BackgroundDemand(
            schedule: DemandSchedule(
                constant: DemandLevel(
                    gasPerSecond: gasPerSecond, medianPriceGwei: medianGwei, spread: spread)),
            quantityNoise: quantityNoise, priceNoise: priceNoise)
        var random = RandomStream(seed: seed, name: "demand-calibration")
        var background = BackgroundBlock()
        var fees: Wei = 0
        var gas: Gas = 0
        var time = SimTime.zero
        for _ in 0..<blocks {
            let interval = production.nextInterval(random: &random)
            time += interval
            demand.draw(at: time, interval: interval, random: &random, into: &background)
            var room = gasLimit
            for index in background.tierGas.indices where room > 0 {
                let included = min(room, background.tierGas[index])
                room -= included
                fees += Wei(included) * background.tierPrices[index]
                gas += included
            }
        }
        guard gas > 0 else { return 0 }
        return Double(fees / Wei(gas)) / (medianGwei * 1e9)
    }

    /// A schedule whose hourly gas-weighted average prices are `hourlyAverageGwei`
    /// (hour 0 first), at a constant demand rate and spread.
    public static func hourlySchedule(
        hourlyAverageGwei: [Double], gasPerSecond: Double, spread: Double, factor: Double
    ) -> DemandSchedule {
        precondition(factor > 0, "calibration factor must be positive")
        return DemandSchedule(
            hourlyAverageGwei.enumerated().map { hour, average in
                DemandSchedule.Step(
                    start: .hours(Int64(hour)),
                    level: DemandLevel(
                        gasPerSecond: gasPerSecond, medianPriceGwei: average / factor,
                        spread: spread))
            })
    }
}
