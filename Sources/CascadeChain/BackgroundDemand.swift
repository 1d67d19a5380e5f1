import CascadeKernel

/// A level of background gas demand: how much gas arrives and what it is willing to pay.
///
/// Willingness to pay (a legacy gas price, or an EIP-1559 max fee) is log-normal: its
/// logarithm is normal around `ln(medianPriceGwei)` with standard deviation `spread`.
public struct DemandLevel: Hashable, Sendable {
    /// Gas of background transactions arriving per second of simulated time.
    public var gasPerSecond: Double
    /// The median willingness to pay, gwei per gas.
    public var medianPriceGwei: Double
    /// The standard deviation of the log of willingness to pay (0.5 ≈ a factor 1.65).
    public var spread: Double

    public init(gasPerSecond: Double, medianPriceGwei: Double, spread: Double) {
        precondition(gasPerSecond >= 0 && gasPerSecond.isFinite, "gas per second >= 0")
        precondition(medianPriceGwei > 0 && medianPriceGwei.isFinite, "median price > 0")
        precondition(spread >= 0 && spread <= 5, "spread in [0, 5]")
        self.gasPerSecond = gasPerSecond
        self.medianPriceGwei = medianPriceGwei
        self.spread = spread
    }
}

/// A step function of demand levels over simulated time, as a world scripts it.
public struct DemandSchedule: Hashable, Sendable {
    /// `(start, level)` pairs, strictly ascending by start; the first starts at zero.
    public let steps: [Step]

    /// A level in force from `start` until the next step.
    public struct Step: Hashable, Sendable {
        public var start: SimTime
        public var level: DemandLevel
        /// `exp(spread × z_i)` for each tier quantile `z_i`, descending.
        let tierMultipliers: [Double]

        public init(start: SimTime, level: DemandLevel) {
            self.start = start
            self.level = level
            tierMultipliers = BackgroundDemand.tierQuantiles.map {
                ChainMath.exp(level.spread * $0)
            }
        }
    }

    public init(_ steps: [Step]) {
        precondition(!steps.isEmpty, "a demand schedule needs a level")
        precondition(steps[0].start == .zero, "the first demand level must start at 0")
        for index in steps.indices.dropFirst() {
            precondition(steps[index - 1].start < steps[index].start, "steps must ascend")
        }
        self.steps = steps
    }

    /// One level for the whole run.
    public init(constant level: DemandLevel) {
        self.init([Step(start: .zero, level: level)])
    }

    /// The step in force at `time` (binary search).
    public func step(at time: SimTime) -> Step {
        var low = 0
        var high = steps.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if steps[middle].start <= time {
                low = middle
            } else {
                high = middle - 1
            }
        }
        return steps[low]
    }
}

/// Exogenous traffic, modelled in aggregate: a demand curve per block, not objects.
///
/// Each block draws the gas that arrived since the previous block and splits it into
/// `tierCount` equal tiers at the log-normal quantiles of willingness to pay (the
/// midpoints `(i + ½)/tierCount`). Per block, two normal draws from the caller's stream
/// perturb the level: the quantity by `exp(quantityNoise·z₁ − quantityNoise²/2)` and the
/// median price by `exp(priceNoise·z₂ − priceNoise²/2)` (both mean one). A `stress`
/// input (for example recent absolute returns, scaled by the world) multiplies the quantity
/// by `1 + stressQuantityElasticity × stress` and the prices by
/// `1 + stressPriceElasticity × stress`.
///
/// Under EIP-1559 the tiers' prices are max fees and each tips `priorityFee` (capped by
/// its headroom over the base fee); tiers whose max fee is below the base fee do not show
/// up. Under a legacy market a tier bids its price as a first-price gas price.
///
/// The off-chain model may use `Double`; every price becomes integer wei here, rounded to
/// nearest, with arithmetic that gives the same bits on every machine.
public struct BackgroundDemand: Hashable, Sendable {
    /// Tiers per block: enough to resolve a cut-off within 3% of the demand.
    public static let tierCount = 32

    /// Standard normal quantiles at `(i + ½)/tierCount`, descending (highest price first):
    /// `ChainMath.normalQuantile((tierCount − i − ½) / tierCount)`, written out because the
    /// bisection cost 56 M instructions at every process start (each sweep worker, each
    /// `cascade run`). `TierQuantileTableTests` checks every value bit for bit against the
    /// computation.
    static let tierQuantiles: [Double] = [
        2.1538746941597573, 1.6759397227701736, 1.417797137988932, 1.229858759211175,
        1.0775155670368246, 0.9467817562989747, 0.8305108782042181, 0.7245143834917254,
        0.6260990123460968, 0.5334097062411285, 0.4450965249854525, 0.3601298917895467,
        0.2776904398215704, 0.19709908429431117, 0.1177698745790951, 0.0391760855030975,
        -0.03917608550309771, -0.11776987457909535, -0.19709908429431144, -0.2776904398215706,
        -0.3601298917895469, -0.4450965249854528, -0.5334097062411289, -0.626099012346097,
        -0.724514383491726, -0.8305108782042185, -0.9467817562989751, -1.0775155670368255,
        -1.2298587592111758, -1.417797137988933, -1.6759397227701758, -2.153874694159759,
    ]

    public var schedule: DemandSchedule
    public var quantityNoise: Double
    public var priceNoise: Double
    public var stressQuantityElasticity: Double
    public var stressPriceElasticity: Double
    /// The tip background transactions offer under EIP-1559, wei per gas.
    public var priorityFee: Wei
    /// The gas of a typical background transaction, to report a transaction count.
    public var gasPerTransaction: Gas

    public init(
        schedule: DemandSchedule, quantityNoise: Double = 0.2, priceNoise: Double = 0.1,
        stressQuantityElasticity: Double = 0, stressPriceElasticity: Double = 0,
        priorityFee: Wei = .gwei(2), gasPerTransaction: Gas = 50_000
    ) {
        precondition(quantityNoise >= 0 && priceNoise >= 0, "noise must be non-negative")
        self.schedule = schedule
        self.quantityNoise = quantityNoise
        self.priceNoise = priceNoise
        self.stressQuantityElasticity = stressQuantityElasticity
        self.stressPriceElasticity = stressPriceElasticity
        self.priorityFee = priorityFee
        self.gasPerTransaction = gasPerTransaction
    }

    /// Draws the background demand of a block produced at `time`, `interval` after its
    /// parent, into `block` (whose storage is reused). Two normal draws from `random`.
    public func draw(
        at time: SimTime, interval: SimTime, stress: Double = 0,
        random: inout RandomStream, into block: inout BackgroundBlock
    ) {
        let step = schedule.step(at: time)
        let quantityShock = random.normal()
        let priceShock = random.normal()
        let stressFactor = max(0, 1 + stressQuantityElasticity * stress)
        let quantity =
            step.level.gasPerSecond * Double(interval.milliseconds) / 1000
            * ChainMath.exp(quantityNoise * quantityShock - 0.5 * quantityNoise * quantityNoise)
            * stressFactor
        let median =
            step.level.medianPriceGwei * 1e9
            * ChainMath.exp(priceNoise * priceShock - 0.5 * priceNoise * priceNoise)
            * max(0, 1 + stressPriceElasticity * stress)
        block.fill(
            totalGas: quantity.isFinite && quantity > 0
                ? Gas(ChainMath.roundedToNearest(min(quantity, 1e18))) : 0,
            medianWei: median, multipliers: step.tierMultipliers, priorityFee: priorityFee,
            gasPerTransaction: gasPerTransaction)
    }
}

/// One block's background demand: equal-gas tiers at descending prices.
public struct BackgroundBlock: Hashable, Sendable {
    /// Gas in each tier (equal, the first tiers take the remainder of the division).
    public private(set) var tierGas: [Gas] = []
    /// Willingness to pay per tier, wei per gas, descending.
    public private(set) var tierPrices: [Wei] = []
    /// The tip each tier offers under EIP-1559 (a legacy market ignores it).
    public private(set) var priorityFee: Wei = 0
    public private(set) var totalGas: Gas = 0
    /// The gas of a typical background transaction (for a transaction count only).
    public private(set) var gasPerTransaction: Gas = 50_000
    /// `cumulativeGas[i]` is the gas of tiers `0...i`.
    public private(set) var cumulativeGas: [Gas] = []

    /// No background demand.
    public init() {}

    /// Demand given directly (for tests and replayed data): `prices` must descend.
    public init(
        tierGas: [Gas], tierPrices: [Wei], priorityFee: Wei, gasPerTransaction: Gas = 50_000
    ) {
        precondition(tierGas.count == tierPrices.count, "one gas amount per price")
        for index in tierPrices.indices.dropFirst() {
            precondition(tierPrices[index - 1] >= tierPrices[index], "prices must descend")
        }
        self.tierGas = tierGas
        self.tierPrices = tierPrices
        self.priorityFee = priorityFee
        self.gasPerTransaction = gasPerTransaction
        totalGas = tierGas.reduce(0, +)
        accumulate()
    }

    private mutating func accumulate() {
        cumulativeGas.removeAll(keepingCapacity: true)
        var sum: Gas = 0
        for gas in tierGas {
            sum += gas
            cumulativeGas.append(sum)
        }
    }

    mutating func fill(
        totalGas: Gas, medianWei: Double, multipliers: [Double], priorityFee: Wei,
        gasPerTransaction: Gas
    ) {
        self.gasPerTransaction = gasPerTransaction
        let tiers = multipliers.count
        let share = totalGas / Gas(tiers)
        let remainder = Int(totalGas % Gas(tiers))
        if tierGas.count == tiers && tierPrices.count == tiers && cumulativeGas.count == tiers {
            // The usual case, every block: the same tiers, written in place through buffers
            // (appending checked uniqueness and capacity three times a tier).
            tierGas.withUnsafeMutableBufferPointer { tierGas in
                tierPrices.withUnsafeMutableBufferPointer { tierPrices in
                    cumulativeGas.withUnsafeMutableBufferPointer { cumulativeGas in
                        var sum: Gas = 0
                        for index in 0..<tiers {
                            let gas = share + (index < remainder ? 1 : 0)
                            tierGas[index] = gas
                            tierPrices[index] = ChainMath.wei(medianWei * multipliers[index])
                            sum += gas
                            cumulativeGas[index] = sum
                        }
                    }
                }
            }
        } else {
            tierGas.removeAll(keepingCapacity: true)
            tierPrices.removeAll(keepingCapacity: true)
            for index in 0..<tiers {
                tierGas.append(share + (index < remainder ? 1 : 0))
                tierPrices.append(ChainMath.wei(medianWei * multipliers[index]))
            }
            accumulate()
        }
        self.priorityFee = priorityFee
        self.totalGas = totalGas
    }
}
