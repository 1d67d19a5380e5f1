import CascadeAgents
import CascadeChain
import CascadeCore
import CascadeKernel

/// Decodes a chain world's sections (`chain`, `congestion`, `senders`) into the chain loop's
/// configuration. Every key is documented in docs/worlds.md.
enum ChainWorldDecoding {
    static func decode(
        chain chainReader: JSONReader, congestion: JSONReader?, senders sendersReader: JSONReader,
        seed: UInt64
    ) throws(WorldError) -> ChainWorldConfiguration {
        let chain = try chainReader.object()
        let production = try decodeProduction(try chain.required("production"))
        let market = try decodeMarket(chain)
        let gasLimit = try chain.required("gas_limit").uint64(in: 5_000...1_000_000_000)
        var changes: [GasLimitSchedule.Change] = []
        if let schedule = chain.optional("gas_limit_schedule") {
            var previous: Int64 = -1
            for entry in try schedule.array(count: 1...10_000) {
                let object = try entry.object()
                let atReader = try object.required("at")
                let at = try atReader.durationMilliseconds(in: 0...Int64.max / 4)
                guard at > previous else {
                    throw atReader.error("changes must be in increasing time order")
                }
                previous = at
                let target = try object.required("gas_limit").uint64(in: 5_000...1_000_000_000)
                try object.finish()
                changes.append(GasLimitSchedule.Change(start: .milliseconds(at), target: target))
            }
        }
        let adjustment: GasLimitSchedule.Adjustment =
            try chain.optional("gas_limit_adjustment")?.oneOf(["voted", "immediate"]) == "immediate"
            ? .immediate : .voted
        try chain.finish()

        let demand = try congestion.map { reader throws(WorldError) in
            try decodeCongestion(reader, gasLimit: gasLimit, production: production, market: market)
        }
        let sendersObject = try sendersReader.object()
        let count = try sendersObject.required("count").int(in: 0...100_000)
        let template = try decodeSender(sendersObject)
        let ethEach =
            try sendersObject.optional("eth_each")?.baseUnits(scale: 18)
            ?? 10 * .weiPerEther
        let tokenEach = try sendersObject.optional("token_each")?.baseUnits(scale: 6) ?? 1_000_000
        try sendersObject.finish()
        return ChainWorldConfiguration.demo(
            seed: seed, senderCount: count, market: market, production: production,
            gasLimit: gasLimit, demand: demand, ethEach: ethEach, usdEach: tokenEach,
            template: template
        ).withGasLimits(
            GasLimitSchedule(initial: gasLimit, changes: changes, adjustment: adjustment))
    }

    static func decodeProduction(_ reader: JSONReader) throws(WorldError) -> BlockProduction {
        let object = try reader.object()
        let model = try object.required("model").oneOf([
            "proof_of_work", "proof_of_stake", "sequencer",
        ])
        let production: BlockProduction
        switch model {
        case "proof_of_work":
            production = .proofOfWork(
                meanInterval: .milliseconds(
                    try object.required("mean_interval").durationMilliseconds(in: 1...3_600_000)))
        case "proof_of_stake":
            let slot = try object.required("slot").durationMilliseconds(in: 1...3_600_000)
            let missed = try object.optional("missed_slots")?.percentage() ?? ExactDecimal(0)
            guard let perMillion = try? missed.baseUnits(scale: 6), perMillion < 1_000_000 else {
                throw try object.required("missed_slots").error(
                    "must be below 100% (a proposer must sometimes propose)")
            }
            production = .proofOfStake(
                slot: .milliseconds(slot), missedNumerator: UInt64(perMillion),
                missedDenominator: 1_000_000)
        default:
            production = .sequencer(
                interval: .milliseconds(
                    try object.required("interval").durationMilliseconds(in: 1...3_600_000)))
        }
        try object.finish()
        return production
    }

    static func decodeMarket(_ chain: JSONObjectReader) throws(WorldError) -> FeeMarket {
        let kind = try chain.required("fee_market").oneOf(["eip1559", "legacy", "sequencer"])
        switch kind {
        case "eip1559": return .eip1559
        case "legacy": return .legacy
        default:
            return .sequencer(baseFee: try chain.required("sequencer_base_fee").wei())
        }
    }

    /// `congestion`: a schedule of background demand levels.
    ///
    /// `demand` is relative to the chain's capacity per second: the gas target (half the
    /// limit) under EIP-1559, the whole limit otherwise, divided by the mean block interval.
    static func decodeCongestion(
        _ reader: JSONReader, gasLimit: Gas, production: BlockProduction, market: FeeMarket
    ) throws(WorldError) -> BackgroundDemand {
        let object = try reader.object()
        let capacity = Double(market == .eip1559 ? gasLimit / 2 : gasLimit)
        let seconds = meanIntervalSeconds(production)
        var steps: [DemandSchedule.Step] = []
        var previous: Int64 = -1
        for entry in try object.required("schedule").array(count: 1...100_000) {
            let step = try entry.object()
            let atReader = try step.required("at")
            let at = try atReader.durationMilliseconds(in: 0...Int64.max / 4)
            guard at > previous else {
                throw atReader.error("steps must be in increasing time order")
            }
            if previous < 0 && at != 0 {
                throw atReader.error("the first step must start at \"0s\"")
            }
            previous = at
            let demand = try step.required("demand").percentage().approximateDouble
            let medianReader = try step.required("median_price")
            let median = try medianReader.wei()
            // The level's prices are the median times the tiers' factors: zero would price
            // every background transaction at nothing.
            guard median > 0 else { throw medianReader.error("must be above 0 wei") }
            let spread = try step.required("spread").double(in: 0...5)
            try step.finish()
            steps.append(
                DemandSchedule.Step(
                    start: .milliseconds(at),
                    level: DemandLevel(
                        gasPerSecond: demand * capacity / seconds,
                        medianPriceGwei: Double(median) / 1e9, spread: spread)))
        }
        let demand = BackgroundDemand(
            schedule: DemandSchedule(steps),
            quantityNoise: try object.optional("quantity_noise")?.double(in: 0...2) ?? 0.2,
            priceNoise: try object.optional("price_noise")?.double(in: 0...2) ?? 0.1,
            priorityFee: try object.optional("priority_fee")?.wei() ?? .gwei(2),
            gasPerTransaction: try object.optional("gas_per_transaction")?.uint64(
                in: 21_000...30_000_000) ?? 50_000)
        try object.finish()
        return demand
    }

    static func meanIntervalSeconds(_ production: BlockProduction) -> Double {
        switch production {
        case .proofOfWork(let mean): Double(mean.milliseconds) / 1_000
        case .proofOfStake(let slot, let missed, let denominator):
            Double(slot.milliseconds) / 1_000 / (1 - Double(missed) / Double(denominator))
        case .sequencer(let interval): Double(interval.milliseconds) / 1_000
        }
    }

    /// The settings every sender shares (`strategy`, latencies, raises).
    static func decodeSender(_ object: JSONObjectReader) throws(WorldError)
        -> TransferSenderSettings
    {
        var settings = TransferSenderSettings(
            name: "template", address: Address(0), token: TokenID(rawValue: 0),
            recipient: Address(0))
        if let strategy = object.optional("strategy") {
            settings.strategy = try decodeStrategy(strategy)
        }
        if let trigger = object.optional("send_every") {
            settings.trigger = .interval(try decodeLatency(trigger))
        }
        if let propagation = object.optional("propagation") {
            settings.propagation = try decodeLatency(propagation)
        }
        if let observation = object.optional("observation") {
            settings.observation = try decodeLatency(observation)
        }
        if let raiseAfter = object.optional("raise_after") {
            settings.raiseAfter = .milliseconds(
                try raiseAfter.durationMilliseconds(in: 1...86_400_000))
        }
        if let raise = object.optional("raise_by") {
            // Above the pool's 10% replacement bump.
            settings.raisePercent = try raise.wholePercent(in: 11...1_000)
        }
        return settings
    }

    /// A gas strategy: `fixed`, `base_fee_multiple`, or (protocol agents, which track the
    /// going price) `market_multiple`.
    static func decodeStrategy(_ reader: JSONReader, allowsMarketMultiple: Bool = false)
        throws(WorldError) -> GasStrategy
    {
        let object = try reader.object()
        let kinds =
            ["fixed", "base_fee_multiple"] + (allowsMarketMultiple ? ["market_multiple"] : [])
        let kind = try object.required("kind").oneOf(kinds)
        let strategy: GasStrategy
        switch kind {
        case "fixed":
            if let price = object.optional("gas_price") {
                strategy = .fixed(.legacy(gasPrice: try price.wei()))
            } else {
                strategy = .fixed(
                    .eip1559(
                        maxFee: try object.required("max_fee").wei(),
                        priorityFee: try object.required("priority_fee").wei()))
            }
        case "base_fee_multiple":
            strategy = .baseFeeMultiple(
                percent: try object.required("multiple").wholePercent(in: 100...100_000),
                priorityFee: try object.required("priority_fee").wei())
        default:
            strategy = .marketMultiple(
                percent: try object.required("multiple").wholePercent(in: 100...100_000),
                minimum: try object.optional("minimum")?.wei() ?? .gwei(1))
        }
        try object.finish()
        return strategy
    }

    /// A latency: `"150ms"` (fixed), or `{"exponential": "2s"}`, `{"uniform": ["50ms","300ms"]}`,
    /// `{"log_normal": {"median": "100ms", "sigma": 0.5}}`.
    static func decodeLatency(_ reader: JSONReader) throws(WorldError) -> LatencyModel {
        if case .string = reader.value.content {
            return .fixed(milliseconds: try reader.durationMilliseconds(in: 0...86_400_000))
        }
        let object = try reader.object()
        let kinds = ["exponential", "uniform", "log_normal"].filter { object.contains($0) }
        guard kinds.count == 1 else {
            throw reader.error(
                "a latency is a duration (\"150ms\") or one of exponential, uniform, log_normal")
        }
        let model: LatencyModel
        switch kinds[0] {
        case "exponential":
            model = .exponential(
                meanMs: Double(
                    try object.required("exponential").durationMilliseconds(in: 1...86_400_000)))
        case "uniform":
            let bounds = try object.required("uniform").array(count: 2...2)
            let low = try bounds[0].durationMilliseconds(in: 0...86_400_000)
            let high = try bounds[1].durationMilliseconds(in: 0...86_400_000)
            guard low <= high else { throw bounds[1].error("must not be below the first bound") }
            model = .uniform(minimumMs: low, maximumMs: high)
        default:
            let parameters = try object.required("log_normal").object()
            let median = try parameters.required("median").durationMilliseconds(in: 1...86_400_000)
            let sigma = try parameters.required("sigma").double(in: 0...3)
            try parameters.finish()
            model = .logNormal(medianMs: Double(median), sigma: sigma)
        }
        try object.finish()
        if let problem = model.problem {
            throw reader.error(problem)
        }
        return model
    }
}

extension ChainWorldConfiguration {
    func withGasLimits(_ schedule: GasLimitSchedule) -> ChainWorldConfiguration {
        var copy = self
        copy.chain.gasLimits = schedule
        return copy
    }
}
