import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

// `protocol.perps`: a perpetuals exchange on the world's chain (docs/worlds.md, "perps").
// Every key is listed there with its unit, default and range; a key left out takes the
// library's default (`PerpWorldSettings`, `PerpOracleSettings`, ...), never a guess.

extension ProtocolWorldDecoding {
    /// The `collaterals` entries: required in a Maker world, optional (none) beside `perps`.
    static func collateralEntries(_ object: JSONObjectReader) throws(WorldError) -> [JSONReader] {
        if (object.contains("perps") || object.contains("options"))
            && !object.contains("collaterals")
        {
            return []
        }
        return try object.required("collaterals").array(count: 1...16)
    }

    /// `borrowers` and `keepers` may be left out of a world with `perps` (none of them).
    static func makerSection(_ object: JSONObjectReader, _ key: String) throws(WorldError)
        -> JSONReader?
    {
        if object.contains("perps") || object.contains("options") { return object.optional(key) }
        return try object.required(key)
    }

    /// Vaults and AMM arbitrage need a Maker collateral: a perpetuals-only world has none.
    static func requireCollaterals(
        _ collaterals: [CollateralSettings], for reader: JSONReader, count: Int
    ) throws(WorldError) {
        guard collaterals.isEmpty, count > 0 else { return }
        throw reader.error("needs a Maker collateral (`collaterals`); this world has none")
    }

    static func decodePerps(_ reader: JSONReader, assets: [String]) throws(WorldError)
        -> PerpWorldSettings
    {
        let object = try reader.object()
        var markets: [PerpMarketSettings] = []
        for entry in try object.required("markets").array(count: 1...100) {
            let market = try decodePerpMarket(entry, assets: assets)
            guard !markets.contains(where: { $0.terms.name == market.terms.name }) else {
                throw entry.error("market \(market.terms.name) is named twice")
            }
            markets.append(market)
        }
        let names = markets.map(\.terms.name)
        let traders = try decodePerpTraders(
            try object.required("traders"), marketCount: markets.count)
        var settings = PerpWorldSettings(markets: markets, traders: traders, liquidators: [])
        if let value = object.optional("insurance_fund") {
            settings.insuranceFund = try usdc(value)
        }
        if let value = object.optional("backstop_threshold") {
            settings.backstopThresholdPpm = try ppm(value)
            guard settings.backstopThresholdPpm > 0, settings.backstopThresholdPpm <= 1_000_000
            else { throw value.error("must be above 0% and at most 100%") }
        }
        if let value = object.optional("deleveraging_price") {
            settings.deleveragingPrice =
                try value.oneOf(["bankruptcy", "mark"]) == "mark" ? .mark : .bankruptcy
        }
        if let section = object.optional("fillable_price") {
            let bound = try section.object()
            if let value = bound.optional("spread_to_maintenance_margin") {
                settings.spreadToMaintenanceMarginRatioPpm = try ppm(value)
                guard settings.spreadToMaintenanceMarginRatioPpm <= 100_000_000 else {
                    throw value.error("at most 10000%")
                }
            }
            if let value = bound.optional("bankruptcy_adjustment") {
                settings.bankruptcyAdjustmentPpm = try ppm(value)
                guard settings.bankruptcyAdjustmentPpm <= 100_000_000 else {
                    throw value.error("at most 10000%")
                }
            }
            try bound.finish()
        }
        if let list = object.optional("named_accounts") {
            for entry in try list.array(count: 0...10_000) {
                settings.namedAccounts.append(try decodeNamedAccount(entry, markets: names))
            }
        }
        if let section = object.optional("market_maker") {
            let maker = try section.object()
            settings.marketMakerCapital = try usdc(try maker.required("capital"))
            try maker.finish()
        }
        settings.liquidators = try decodePerpLiquidators(try object.required("liquidators"))
        if let section = object.optional("oracle") {
            settings.oracle = try decodePerpOracle(section)
        }
        if let section = object.optional("backstop") {
            settings.backstop = try decodePerpBackstop(section)
        }
        try decodePerpAttackKeys(object, into: &settings)
        settings.guardSettings = try decodeGuard(object, trading: "trading")
        try object.finish()
        return settings
    }

    // MARK: - Markets

    static func decodePerpMarket(_ reader: JSONReader, assets: [String]) throws(WorldError)
        -> PerpMarketSettings
    {
        let object = try reader.object()
        let name = try object.required("name").nonEmptyString()
        let assetReader = try object.required("asset")
        let asset = try assetReader.nonEmptyString()
        guard assets.contains(asset) else {
            throw assetReader.error(
                "no market asset \(asset); the assets are \(assets.joined(separator: ", "))")
        }
        let initialReader = try object.required("initial_margin")
        let initial = try ppm(initialReader)
        let maintenanceReader = try object.required("maintenance_margin")
        let maintenance = try ppm(maintenanceReader)
        guard maintenance > 0 else { throw maintenanceReader.error("must be above 0%") }
        guard initial > maintenance, initial <= 1_000_000 else {
            throw initialReader.error("must be above maintenance_margin and at most 100%")
        }
        var cap = Int128(1) << 100
        if let value = object.optional("open_interest_cap") {
            let units = try value.baseUnits(scale: 9)
            guard units > 0, units < UInt128(1) << 100 else {
                throw value.error("must be above 0 and below 10^21 units")
            }
            cap = Int128(units)
        }
        var penalty: Int128 = 10_000
        if let value = object.optional("liquidation_penalty") {
            penalty = try ppm(value)
            guard penalty <= 1_000_000 else { throw value.error("at most 100%") }
        }
        var funding = PerpFundingTerms(intervalSeconds: 3_600, interestPpm: 0)
        if let section = object.optional("funding") {
            funding = try decodeFunding(section)
        }
        var terms = PerpMarketTerms(
            name: name, initialMarginPpm: initial, maintenanceMarginPpm: maintenance,
            openInterestCap: cap, liquidationPenaltyPpm: penalty, funding: funding)
        if let section = object.optional("open_interest_scaling") {
            let scaling = try section.object()
            let lower = try usdc(try scaling.required("lower_cap"))
            let upperReader = try scaling.required("upper_cap")
            let upper = try usdc(upperReader)
            try scaling.finish()
            guard lower < upper else { throw upperReader.error("must be above lower_cap") }
            terms.openInterestScaling = PerpOpenInterestScaling(
                lowerCapQuantums: lower, upperCapQuantums: upper)
        }
        if let value = object.optional("volatility_multiplier") {
            let multiplier = try value.decimal(in: ExactDecimal(0)...ExactDecimal(1_000))
            guard let scaled = try? multiplier.baseUnits(scale: 6) else {
                throw value.error("at most six decimals")
            }
            terms.volatilityMultiplierPpm = Int128(scaled)
        }
        var venue = OrderBookVenue(
            depth: DepthCurve(depthAtReference: 1_000_000, referenceFraction: 0.01),
            recoveryHalfLife: .minutes(10))
        if let section = object.optional("venue") {
            venue = try decodeVenue(section, default: venue)
        }
        let spotVenues = try object.optional("spot_venues").map(decodeSpotVenues) ?? []
        try object.finish()
        var market = PerpMarketSettings(terms: terms, asset: asset, venue: venue)
        market.spotVenues = spotVenues
        return market
    }

    static func decodeFunding(_ reader: JSONReader) throws(WorldError) -> PerpFundingTerms {
        let object = try reader.object()
        var funding = PerpFundingTerms(intervalSeconds: 3_600, interestPpm: 0)
        if let value = object.optional("interval") {
            funding.intervalSeconds = try wholeSeconds(value, in: 1...7 * 86_400)
        }
        if let value = object.optional("interest") {
            funding.interestPpm = try ppm(value, allowNegative: true)
        }
        if let value = object.optional("premium_clamp") {
            funding.premiumClampPpm = try ppm(value)
        }
        if let value = object.optional("clamp_factor") {
            funding.clampFactorPpm = try ppm(value)
        }
        try object.finish()
        return funding
    }

    // MARK: - Traders

    static func decodePerpTraders(_ reader: JSONReader, marketCount: Int) throws(WorldError)
        -> PerpTraderSettings
    {
        let object = try reader.object()
        var settings = PerpTraderSettings(
            count: try object.required("count").int(in: 0...1_000_000))
        if let value = object.optional("long_share") { settings.longShare = try share(value) }
        if let value = object.optional("notional_median") {
            settings.notionalMedian = try value.double(in: 1...1e12)
        }
        if let value = object.optional("notional_sigma") {
            settings.notionalSigma = try value.double(in: 0...5)
        }
        if let value = object.optional("notional_total") {
            let total = try value.decimal().approximateDouble
            guard total >= 1, total <= 1e15 else { throw value.error("between 1 and 10^15 USDC") }
            settings.notionalTotal = total
        }
        if let value = object.optional("leverage_min") {
            settings.leverageMinimum = try value.double(in: 1...1_000)
        }
        if let value = object.optional("leverage_max") {
            settings.leverageMaximum = try value.double(in: 1...1_000)
        }
        guard settings.leverageMinimum <= settings.leverageMaximum else {
            throw reader.error("needs leverage_min <= leverage_max")
        }
        if let value = object.optional("cross_share") { settings.crossShare = try share(value) }
        if let value = object.optional("markets_per_account") {
            settings.marketsPerAccount = try value.int(in: 1...100)
            guard settings.marketsPerAccount <= marketCount else {
                throw value.error("at most the number of markets (\(marketCount))")
            }
        }
        if let value = object.optional("actions_per_day") {
            settings.actionsPerDay = try value.double(in: 0...10_000)
        }
        if let value = object.optional("reduce_share") { settings.reduceShare = try share(value) }
        if let value = object.optional("reduce_fraction") {
            settings.reduceFraction = try share(value)
            guard settings.reduceFraction > 0 else { throw value.error("must be above 0%") }
        }
        if let value = object.optional("add_fraction") {
            settings.addFraction = try value.ratio().approximateDouble
            guard settings.addFraction > 0, settings.addFraction <= 10 else {
                throw value.error("must be above 0% and at most 1000%")
            }
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        try object.finish()
        return settings
    }

    static func decodeNamedAccount(_ reader: JSONReader, markets: [String]) throws(WorldError)
        -> PerpNamedAccount
    {
        let object = try reader.object()
        let name = try object.required("name").nonEmptyString()
        let marketReader = try object.required("market")
        guard let market = markets.firstIndex(of: try marketReader.nonEmptyString()) else {
            throw marketReader.error(
                "no such market; the markets are \(markets.joined(separator: ", "))")
        }
        let long = try object.required("side").oneOf(["long", "short"]) == "long"
        let notional = try object.required("notional").double(in: 1...1e15)
        let leverage = try object.required("leverage").double(in: 1...1_000)
        let cross =
            try object.optional("margin")?.oneOf(["isolated", "cross"]) == "cross"
        try object.finish()
        return PerpNamedAccount(
            name: name, market: market, long: long, notional: notional, leverage: leverage,
            cross: cross)
    }

    // MARK: - Liquidators, oracle, backstop

    /// `liquidators`: one group (an object) or several (an array) of `count` identical bots
    /// named `<name>-<i>` (default name `liquidator`).
    static func decodePerpLiquidators(_ reader: JSONReader) throws(WorldError)
        -> [PerpLiquidatorSettings]
    {
        try decodeAgentGroups(
            reader, defaultName: "liquidator", limit: 1_000,
            limitMessage: "at most 1,000 liquidators in a world",
            decodeGroup: { object throws(WorldError) in
                var template = PerpLiquidatorSettings(name: "template", address: .zero)
                if let value = object.optional("capital") { template.capital = try usdc(value) }
                if let value = object.optional("eth_each") {
                    template.ethBalance = try value.uint64(in: 1...1_000_000_000)
                }
                template.gas = try decodeGas(object, default: template.gas)
                try decodeLatencies(object, &template.observation, &template.propagation)
                if let value = object.optional("max_per_block") {
                    template.maxNewTransactionsPerBlock = try value.int(in: 1...1_000)
                }
                if let value = object.optional("retry_delay") {
                    template.retryDelay = .milliseconds(
                        try value.durationMilliseconds(in: 0...86_400_000))
                }
                if let value = object.optional("fill_discount") {
                    template.fillDiscount = try value.ratio().approximateDouble
                    guard template.fillDiscount < 1 else { throw value.error("must be below 100%") }
                }
                if let value = object.optional("price_buffer") {
                    template.priceBuffer = try value.ratio().approximateDouble
                    guard template.priceBuffer < 1 else { throw value.error("must be below 100%") }
                }
                if let value = object.optional("min_notional") {
                    template.minimumNotional = try value.double(in: 0...1e12)
                }
                if let list = object.optional("downtime") {
                    template.downtime = try decodeDowntime(list)
                }
                return template
            },
            place: { agent, name, index in
                agent.name = name
                agent.address = ProtocolWorld.perpLiquidator(index)
            })
    }

    static func decodeDowntime(_ list: JSONReader) throws(WorldError) -> [Range<SimTime>] {
        var windows: [Range<SimTime>] = []
        for window in try list.array(count: 0...1_000) {
            let span = try window.object()
            let from = try span.required("from").durationMilliseconds(in: 0...Int64.max / 4)
            let untilReader = try span.required("until")
            let until = try untilReader.durationMilliseconds(in: 0...Int64.max / 4)
            try span.finish()
            guard from < until else { throw untilReader.error("must be after from") }
            windows.append(.milliseconds(from) ..< .milliseconds(until))
        }
        return windows
    }

    static func decodePerpOracle(_ reader: JSONReader) throws(WorldError) -> PerpOracleSettings {
        let object = try reader.object()
        var settings = PerpOracleSettings()
        if let value = object.optional("update_interval") {
            settings.updateInterval = .milliseconds(
                try value.durationMilliseconds(in: 100...3_600_000))
        }
        if let value = object.optional("deviation") {
            settings.deviation = try value.ratio().approximateDouble
            guard settings.deviation < 1 else { throw value.error("must be below 100%") }
        }
        if let value = object.optional("heartbeat") {
            settings.heartbeat = .milliseconds(try value.durationMilliseconds(in: 1...86_400_000))
        }
        if let value = object.optional("source_delay") {
            settings.sourceDelay = .milliseconds(
                try value.durationMilliseconds(in: 0...86_400_000))
        }
        if let value = object.optional("mark_source") {
            settings.markSource = try value.choice(PerpMarkSource.self)
        }
        if let value = object.optional("volatility_sample") {
            settings.volatilitySample = .milliseconds(
                try value.durationMilliseconds(in: 1_000...86_400_000))
        }
        if let value = object.optional("volatility_window") {
            let window = try value.durationMilliseconds(in: 2_000...30 * 86_400_000)
            guard window >= 2 * settings.volatilitySample.milliseconds else {
                throw value.error("must be at least two volatility samples")
            }
            settings.volatilityWindow = .milliseconds(window)
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        if let value = object.optional("propagation") {
            settings.propagation = try ChainWorldDecoding.decodeLatency(value)
        }
        if let list = object.optional("downtime") {
            settings.downtime = try decodeDowntime(list)
        }
        try object.finish()
        return settings
    }

    /// `backstop`: the agent calling `backstop` and `deleverage`; with both switched off,
    /// none (nobody calls them).
    static func decodePerpBackstop(_ reader: JSONReader) throws(WorldError)
        -> PerpBackstopSettings?
    {
        let object = try reader.object()
        var settings = PerpBackstopSettings()
        if let value = object.optional("calls_backstop") {
            settings.callsBackstop = try value.bool()
        }
        if let value = object.optional("calls_deleverage") {
            settings.callsDeleverage = try value.bool()
        }
        if let value = object.optional("deleverages_vault") {
            settings.deleveragesVault = try value.bool()
        }
        settings.gas = try decodeGas(object, default: settings.gas)
        try decodeLatencies(object, &settings.observation, &settings.propagation)
        if let value = object.optional("max_per_block") {
            settings.maxNewTransactionsPerBlock = try value.int(in: 1...1_000)
        }
        try object.finish()
        return settings.callsBackstop || settings.callsDeleverage ? settings : nil
    }

    // MARK: - Units

    /// A percentage or ratio as exact ppm (`"5%"` is 50,000); fails on fractions of a ppm.
    static func ppm(_ reader: JSONReader, allowNegative: Bool = false) throws(WorldError)
        -> Int128
    {
        let fraction = try reader.ratio(allowNegative: allowNegative)
        let magnitude = fraction.isNegative ? fraction.negated : fraction
        guard let units = try? magnitude.baseUnits(scale: 6), units <= UInt128(1) << 100 else {
            throw reader.error(
                "must be a whole number of ppm (0.0001%), found \(reader.value.summary)")
        }
        return fraction.isNegative ? -Int128(units) : Int128(units)
    }

    /// A USDC amount (an exact decimal) in quantums (1e-6).
    static func usdc(_ reader: JSONReader) throws(WorldError) -> Int128 {
        let units = try reader.baseUnits(scale: 6)
        guard units <= UInt128(1) << 100 else { throw reader.error("too large") }
        return Int128(units)
    }
}
