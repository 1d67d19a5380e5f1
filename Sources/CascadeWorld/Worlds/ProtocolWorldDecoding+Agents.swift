import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolWorldDecoding {
    static func decodeBorrowers(
        _ reader: JSONReader, collaterals: [CollateralSettings], market: MarketConfiguration,
        seed: UInt64
    ) throws(WorldError) -> BorrowerPopulationSettings {
        let object = try reader.object()
        var settings = BorrowerPopulationSettings(
            count: try object.required("count").int(in: 0...1_000_000))
        if let value = object.optional("size_median") {
            settings.sizeMedian = try value.double(in: 0.01...1_000_000)
        }
        if let value = object.optional("size_sigma") {
            settings.sizeSigma = try value.double(in: 0...5)
        }
        if let value = object.optional("debt_total") {
            settings.debtTotal = try value.decimal().approximateDouble
            guard let total = settings.debtTotal, total >= 1, total <= 1e15 else {
                throw value.error("must be between 1 and 10^15 DAI")
            }
        }
        if let value = object.optional("ratio_min") {
            settings.ratioMinimum = try value.percentage().approximateDouble
        }
        if let value = object.optional("ratio_max") {
            settings.ratioMaximum = try value.percentage().approximateDouble
        }
        guard settings.ratioMinimum > 1, settings.ratioMinimum <= settings.ratioMaximum else {
            throw reader.error("needs 100% < ratio_min <= ratio_max")
        }
        if let value = object.optional("reactive_share") {
            settings.reactiveShare = try share(value)
        }
        if let value = object.optional("top_up_share") {
            settings.topUpShare = try share(value)
        }
        if let value = object.optional("reserve") {
            settings.reserveFraction = try value.ratio().approximateDouble
            guard settings.reserveFraction <= 10 else { throw value.error("at most 1000%") }
        }
        if let value = object.optional("warning_margin") {
            settings.warningMargin = try share(value)
        }
        if let value = object.optional("reaction_probability") {
            settings.reactionProbability = try share(value)
        }
        if let value = object.optional("reaction_latency") {
            settings.reactionLatency = try ChainWorldDecoding.decodeLatency(value)
        }
        if let value = object.optional("target_ratio") {
            settings.targetRatio = try value.percentage().approximateDouble
            guard settings.targetRatio > 1 else { throw value.error("must be above 100%") }
        }
        if let value = object.optional("cooldown") {
            settings.cooldown = .milliseconds(try value.durationMilliseconds(in: 0...864_000_000))
        }
        if let value = object.optional("warnings_per_block") {
            settings.warningsPerBlock = try value.int(in: 1...1_000_000)
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        try object.finish()
        return settings
    }

    /// An agent section: one group (an object) or several (an array of up to 100), each of
    /// `count` identical agents named `<name>-<i>` (default name `defaultName`; letters,
    /// digits, `-` and `_`), numbered on across groups of the same name, at most `limit` in
    /// the world (`limitMessage` otherwise). `decodeGroup` reads a group's other keys into
    /// its template; `place` gives the world's agent `index` its name and address.
    static func decodeAgentGroups<Agent>(
        _ reader: JSONReader, defaultName: String, limit: Int, limitMessage: String,
        decodeGroup: (JSONObjectReader) throws(WorldError) -> Agent,
        place: (inout Agent, _ name: String, _ index: Int) -> Void
    ) throws(WorldError) -> [Agent] {
        let groups: [JSONReader]
        if case .array = reader.value.content {
            groups = try reader.array(count: 0...100)
        } else {
            groups = [reader]
        }
        var agents: [Agent] = []
        var used: [String: Int] = [:]
        for group in groups {
            let object = try group.object()
            let prefix = try object.optional("name")?.nonEmptyString() ?? defaultName
            guard prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
            else {
                throw try object.required("name").error("letters, digits, - and _ only")
            }
            let count = try object.required("count").int(in: 0...limit)
            guard agents.count + count <= limit else { throw group.error(limitMessage) }
            let template = try decodeGroup(object)
            try object.finish()
            let first = used[prefix, default: 0]
            used[prefix] = first + count
            for index in 0..<count {
                var agent = template
                place(&agent, "\(prefix)-\(first + index)", agents.count)
                agents.append(agent)
            }
        }
        return agents
    }

    /// `keepers`: one group (an object) or several (an array). Each group is `count`
    /// identical bots named `<name>-<i>` (default name `keeper`).
    static func decodeKeepers(_ reader: JSONReader) throws(WorldError) -> [KeeperSettings] {
        try decodeAgentGroups(
            reader, defaultName: "keeper", limit: 1_000,
            limitMessage: "at most 1,000 keepers in a world", decodeGroup: decodeKeeperGroup,
            place: { keeper, name, index in
                keeper.name = name
                keeper.address = ProtocolWorld.keeper(index)
            })
    }

    /// One group's keys other than `name` and `count`: its keepers' template.
    static func decodeKeeperGroup(_ object: JSONObjectReader) throws(WorldError)
        -> KeeperSettings
    {
        var template = KeeperSettings(name: "template", address: .zero)
        template.gas = try decodeGas(object, default: template.gas)
        if let capital = object.optional("dai_capital") {
            template.daiCapital = try capital.uint64(in: 0...1_000_000_000_000)
        }
        if let eth = object.optional("eth_each") {
            template.ethBalance = try eth.uint64(in: 1...1_000_000_000)
        }
        if let flash = object.optional("flash_takes") {
            template.usesFlashTakes = try flash.bool()
        }
        if let sells = object.optional("sell_on_amm") {
            template.sellsWonCollateralOnAMM = try sells.bool()
        }
        try decodeLatencies(object, &template.observation, &template.propagation)
        if let value = object.optional("min_profit") {
            template.minimumProfit = try value.double(in: 0...1e12)
        }
        if let value = object.optional("starts_unprofitable_auctions") {
            template.startsUnprofitableAuctions = try value.bool()
        }
        if let value = object.optional("flip_discount") {
            template.flipDiscount = try value.ratio().approximateDouble
            guard template.flipDiscount < 1 else { throw value.error("must be below 100%") }
        }
        if let value = object.optional("opportunist_wait") {
            template.opportunistWait = .milliseconds(
                try value.durationMilliseconds(in: 0...365 * 86_400_000))
        }
        if let value = object.optional("max_per_block") {
            template.maxNewTransactionsPerBlock = try value.int(in: 1...1_000)
        }
        if let value = object.optional("auction_recheck") {
            template.auctionRecheck = .milliseconds(
                try value.durationMilliseconds(in: 1_000...86_400_000))
        }
        if let value = object.optional("auction_recheck_max") {
            template.auctionRecheckLimit = .milliseconds(
                try value.durationMilliseconds(in: 1_000...86_400_000))
            guard template.auctionRecheckLimit >= template.auctionRecheck else {
                throw value.error("must be at least auction_recheck")
            }
        }
        if let value = object.optional("retry_delay") {
            template.retryDelay = .milliseconds(
                try value.durationMilliseconds(in: 0...86_400_000))
        }
        if let list = object.optional("downtime") {
            template.downtime = []
            for window in try list.array(count: 0...1_000) {
                let span = try window.object()
                let from = try span.required("from").durationMilliseconds(in: 0...Int64.max / 4)
                let untilReader = try span.required("until")
                let until = try untilReader.durationMilliseconds(in: 0...Int64.max / 4)
                try span.finish()
                guard from < until else { throw untilReader.error("must be after from") }
                template.downtime.append(.milliseconds(from) ..< .milliseconds(until))
            }
        }
        return template
    }

    /// `arbitrageurs`: `count` bots, one per collateral in turn; each trades its
    /// collateral's AMM pool, which must exist (`pool_collateral` above 0).
    static func decodeArbitrageurs(
        _ reader: JSONReader, collaterals: [CollateralSettings]
    ) throws(WorldError) -> [ArbitrageurSettings] {
        let object = try reader.object()
        let countReader = try object.required("count")
        let count = try countReader.int(in: 0...100)
        let template = try decodeArbitrageurTerms(
            object, capitalKeys: ("collateral_capital", "dai_capital"))
        try object.finish()
        for index in 0..<min(count, collaterals.count) where collaterals[index].poolCollateral == 0
        {
            throw countReader.error(
                "arbitrageur-\(index) would trade collateral \(collaterals[index].name)'s AMM "
                    + "pool, but protocol.collaterals[\(index)].pool_collateral is 0 (no pool); "
                    + "give it a pool or set fewer arbitrageurs")
        }
        return (0..<count).map { index in
            var arbitrageur = template
            arbitrageur.name = "arbitrageur-\(index)"
            arbitrageur.address = ProtocolWorld.arbitrageur(index)
            arbitrageur.collateral = index % collaterals.count
            return arbitrageur
        }
    }

    /// An arbitrageur's keys other than `count`: `threshold`, its two capitals (whole units
    /// of the pair's token and of its quote, under `capitalKeys`), `eth_each`, gas and
    /// latencies.
    static func decodeArbitrageurTerms(
        _ object: JSONObjectReader, capitalKeys: (token: String, quote: String)
    ) throws(WorldError) -> ArbitrageurSettings {
        var template = ArbitrageurSettings(address: .zero)
        if let value = object.optional("threshold") {
            template.threshold = try value.ratio().approximateDouble
            guard template.threshold > 0, template.threshold < 1 else {
                throw value.error("must be above 0% and below 100%")
            }
        }
        if let value = object.optional(capitalKeys.token) {
            template.collateralCapital = try value.uint64(in: 0...1_000_000_000_000)
        }
        if let value = object.optional(capitalKeys.quote) {
            template.daiCapital = try value.uint64(in: 0...1_000_000_000_000)
        }
        if let value = object.optional("eth_each") {
            template.ethBalance = try value.uint64(in: 1...1_000_000_000)
        }
        template.gas = try decodeGas(object, default: template.gas)
        try decodeLatencies(object, &template.observation, &template.propagation)
        return template
    }
}
