import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// `protocol.lending`: an Aave or Compound pool with its assets, oracle node, accounts,
/// borrowers and keepers (docs/worlds.md, "lending").
extension ProtocolWorldDecoding {
    static let lendingPools = ["aave-v2", "aave-v3", "aave-v3.3", "compound-v2"]

    static func decodeLending(_ reader: JSONReader, assets marketAssets: [String])
        throws(WorldError) -> (settings: LendingSettings, gasAsset: String)
    {
        let object = try reader.object()
        let kind: LendingPoolKind
        switch try object.required("pool").oneOf(lendingPools) {
        case "aave-v2": kind = .aave(.v2)
        case "aave-v3": kind = .aave(.v3)
        case "aave-v3.3": kind = .aave(.v3dot3)
        default: kind = .compound
        }
        let isAave = kind != .compound
        let gasAsset = try object.required("gas_asset").oneOf(marketAssets)
        var assets: [LendingAssetSettings] = []
        for entry in try object.required("assets").array(count: 2...16) {
            let asset = try decodeLendingAsset(entry, aave: isAave, marketAssets: marketAssets)
            guard !assets.contains(where: { $0.symbol == asset.symbol }) else {
                throw entry.error("asset \(asset.symbol) is listed twice")
            }
            assets.append(asset)
        }
        let symbols = assets.map(\.symbol)
        var settings = LendingSettings(kind: kind, assets: assets)
        for key in ["close_factor", "liquidation_incentive"] where isAave {
            if let value = object.optional(key) {
                throw value.error(
                    "\(key) is Compound's; an Aave pool's close factor is its version's and its "
                        + "bonus is per asset (liquidation_bonus)")
            }
        }
        if let value = object.optional("close_factor") {
            settings.closeFactorBps = try bps(value, in: 500...9_000)
        }
        if let value = object.optional("liquidation_incentive") {
            settings.liquidationIncentiveBps = 10_000 + (try bps(value, in: 0...5_000))
        }
        if let value = object.optional("anchor_tolerance") {
            guard !isAave else {
                throw value.error("anchor_tolerance is Compound's (its anchored view)")
            }
            let ppb = try UInt256(bps(value, in: 1...10_000))
            settings.anchorToleranceWad = ppb * UInt256(100_000_000_000_000 as UInt64)
        }
        if let value = object.optional("oracle") {
            settings.transmitter = try decodeTransmitter(value, default: settings.transmitter)
        }
        if let list = object.optional("accounts") {
            for entry in try list.array(count: 0...100) {
                settings.accounts.append(
                    try decodeLendingAccount(entry, symbols: symbols, assets: assets))
            }
        }
        if let value = object.optional("borrowers") {
            // One group (an object) or several (an array), each its own distribution.
            if case .array = value.value.content {
                let groups = try value.array(count: 1...16)
                var populations: [LendingPopulationSettings] = []
                for group in groups {
                    populations.append(
                        try decodeLendingBorrowers(
                            group, symbols: symbols, assets: assets, aave: isAave))
                }
                settings.population = populations[0]
                settings.additionalPopulations = Array(populations.dropFirst())
            } else {
                settings.population = try decodeLendingBorrowers(
                    value, symbols: symbols, assets: assets, aave: isAave)
            }
        }
        if let value = object.optional("keepers") {
            settings.keepers = try decodeLendingKeepers(value, symbols: symbols, assets: assets)
        }
        if let value = object.optional("exploiters") {
            settings.exploiters = try decodeLendingExploiters(
                value, symbols: symbols, assets: assets, others: settings)
        }
        if let value = object.optional("pair") {
            settings.pair = try decodeLendingPair(
                value, symbols: symbols, assets: assets, aave: isAave)
        }
        if let value = object.optional("flash_attackers") {
            settings.flashAttackers = try decodeFlashAttackers(value, settings: settings)
        }
        settings.guardSettings = try decodeGuard(object, trading: "borrowing")
        try object.finish()
        return (settings, gasAsset)
    }

    /// A fraction in whole basis points within `range`.
    static func bps(_ reader: JSONReader, in range: ClosedRange<UInt64>) throws(WorldError)
        -> UInt64
    {
        let points = UInt64(try reader.basisPoints())
        guard range.contains(points) else {
            throw reader.error(
                "must be between \(Double(range.lowerBound) / 100)% and "
                    + "\(Double(range.upperBound) / 100)%")
        }
        return points
    }

    static func decodeLendingAsset(_ reader: JSONReader, aave: Bool, marketAssets: [String])
        throws(WorldError) -> LendingAssetSettings
    {
        let object = try reader.object()
        let symbolReader = try object.required("symbol")
        let symbol = try symbolReader.nonEmptyString()
        guard symbol != "ETH",
            symbol.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        else {
            throw symbolReader.error("letters, digits, - and _, and not ETH (the gas token)")
        }
        var asset = LendingAssetSettings(
            symbol: symbol, asset: try object.required("asset").oneOf(marketAssets))
        if let value = object.optional("decimals") {
            asset.decimals = try value.int(in: 0...30)
        }
        if aave {
            for key in ["collateral_factor"] {
                if let value = object.optional(key) {
                    throw value.error(
                        "\(key) is Compound's; Aave has ltv and liquidation_threshold")
                }
            }
            if let value = object.optional("liquidation_threshold") {
                asset.liquidationThresholdBps = try bps(value, in: 0...10_000)
            }
            if let value = object.optional("ltv") {
                asset.ltvBps = try bps(value, in: 0...10_000)
                guard asset.ltvBps <= asset.liquidationThresholdBps else {
                    throw value.error("must be at most the liquidation_threshold")
                }
            }
            if let value = object.optional("liquidation_bonus") {
                asset.liquidationBonusBps = 10_000 + (try bps(value, in: 1...5_000))
            }
            if asset.liquidationThresholdBps > 0,
                asset.liquidationThresholdBps * asset.liquidationBonusBps > 10_000 * 10_000
            {
                throw reader.error(
                    "liquidation_threshold × (1 + liquidation_bonus) must be at most 100% "
                        + "(Aave's configurator refuses more)")
            }
            if let value = object.optional("protocol_fee") {
                asset.protocolFeeBps = try bps(value, in: 0...10_000)
            }
            if let value = object.optional("interest") {
                asset.interest = try decodeInterest(value)
            }
        } else {
            for key in [
                "ltv", "liquidation_threshold", "liquidation_bonus", "protocol_fee", "interest",
            ] {
                if let value = object.optional(key) {
                    throw value.error(
                        "\(key) is Aave's; a Compound market has collateral_factor (and the "
                            + "pool's close_factor and liquidation_incentive)")
                }
            }
            if let value = object.optional("collateral_factor") {
                asset.liquidationThresholdBps = try bps(value, in: 0...9_000)
                asset.ltvBps = asset.liquidationThresholdBps
            }
        }
        if let value = object.optional("reserve_factor") {
            asset.reserveFactorBps = try bps(value, in: 0...10_000)
        }
        if let value = object.optional("liquidity") {
            asset.liquidity = try value.baseUnits256(scale: asset.decimals)
        }
        if let value = object.optional("venue") {
            asset.venue = try decodeVenue(value, default: asset.venue)
        }
        if let value = object.optional("feeds") {
            var feed = CollateralSettings(
                liquidation: CollateralSettings.clipperTerms, operators: asset.operators,
                quorum: asset.quorum, operatorTemplate: asset.operatorTemplate)
            try decodeFeeds(value, into: &feed)
            // Maker's feed defaults (13, quorum 7) apply only to keys given here: a lending
            // asset's own are 7 and 4.
            let keys = try value.object()
            asset.operators = keys.contains("operators") ? feed.operators : asset.operators
            asset.quorum =
                keys.contains("quorum") ? feed.quorum : min(asset.quorum, asset.operators)
            guard asset.quorum <= asset.operators else {
                throw value.error(
                    "quorum \(asset.quorum) is above the \(asset.operators) operators")
            }
            asset.operatorTemplate = feed.operatorTemplate
        }
        if let value = object.optional("deviation") {
            let points = try value.ratio()
            guard let ppb = try? points.baseUnits(scale: 9), ppb <= 1_000_000_000 else {
                throw value.error("a fraction from 0% to 100% in steps of 0.0000001%")
            }
            asset.deviationPPB = UInt64(ppb)
        }
        if let value = object.optional("heartbeat") {
            asset.heartbeatSeconds = try wholeSeconds(value, in: 1...30 * 86_400)
        }
        if let value = object.optional("min_answer") {
            asset.minAnswer = try answerBound(value)
        }
        if let value = object.optional("max_answer") {
            asset.maxAnswer = try answerBound(value)
        }
        guard asset.minAnswer < asset.maxAnswer else {
            throw (object.optional("max_answer") ?? reader).error(
                "max_answer must be above min_answer")
        }
        if let value = object.optional("anchor") {
            guard !aave else {
                throw value.error("anchor is Compound's (its anchored view); Aave has none")
            }
            asset.anchor = try decodeAnchor(value, marketAssets: marketAssets)
        }
        try object.finish()
        return asset
    }

    /// `min_answer` / `max_answer`: a USD price, exact decimal, as WAD above zero.
    static func answerBound(_ reader: JSONReader) throws(WorldError) -> UInt256 {
        let wad = try reader.baseUnits256(scale: 18)
        guard !wad.isZero, wad <= UInt256(1_000_000_000_000 as UInt64) * .wad else {
            throw reader.error("a USD price above 0 and at most 1e12, with at most 18 decimals")
        }
        return wad
    }

    /// `anchor`: the market asset the anchor venue follows and the TWAP window.
    static func decodeAnchor(_ reader: JSONReader, marketAssets: [String]) throws(WorldError)
        -> LendingAnchorSettings
    {
        let object = try reader.object()
        var anchor = LendingAnchorSettings(asset: try object.required("asset").oneOf(marketAssets))
        if let value = object.optional("twap_window") {
            anchor.windowSeconds = Int(try wholeSeconds(value, in: 1...86_400))
        }
        try object.finish()
        return anchor
    }

    /// `interest`: Aave's variable-rate strategy, percentages a year.
    static func decodeInterest(_ reader: JSONReader) throws(WorldError)
        -> AaveInterestRateStrategy
    {
        let object = try reader.object()
        let optimalReader = try object.required("optimal")
        let optimal = try fraction(optimalReader, scale: 27, atMostPercent: 100)
        guard !optimal.isZero, optimal < .ray else {
            throw optimalReader.error("must be above 0% and below 100%")
        }
        var strategy = AaveInterestRateStrategy.zero
        strategy.optimalUsageRatio = optimal
        if let value = object.optional("base") {
            strategy.baseVariableBorrowRate = try fraction(value, scale: 27, atMostPercent: 10_000)
        }
        if let value = object.optional("slope1") {
            strategy.variableRateSlope1 = try fraction(value, scale: 27, atMostPercent: 10_000)
        }
        if let value = object.optional("slope2") {
            strategy.variableRateSlope2 = try fraction(value, scale: 27, atMostPercent: 100_000)
        }
        try object.finish()
        return strategy
    }

    static func decodeLendingAccount(
        _ reader: JSONReader, symbols: [String], assets: [LendingAssetSettings]
    ) throws(WorldError) -> LendingAccountSettings {
        let object = try reader.object()
        let name = try object.required("name").nonEmptyString()
        let collateralReader = try object.required("collateral")
        let collateral = symbols.firstIndex(of: try collateralReader.oneOf(symbols)) ?? 0
        guard assets[collateral].liquidationThresholdBps > 0 else {
            throw collateralReader.error("\(symbols[collateral]) does not count as collateral")
        }
        let debtReader = try object.required("debt")
        let debt = symbols.firstIndex(of: try debtReader.oneOf(symbols)) ?? 0
        let collateralAmount = try positive(
            object.required("collateral_amount"), decimals: assets[collateral].decimals)
        let debtAmount = try positive(
            object.required("debt_amount"), decimals: assets[debt].decimals)
        let support = try decodeSupport(
            object.optional("support"), collateral: collateral, debt: debt, debtReader: debtReader,
            symbols: symbols, assets: assets)
        var supportAmount = UInt256.zero
        if let support {
            supportAmount = try positive(
                object.required("support_amount"), decimals: assets[support].decimals)
        } else if let value = object.optional("support_amount") {
            throw value.error("support_amount needs a support asset")
        }
        try object.finish()
        return LendingAccountSettings(
            name: name, collateral: collateral, collateralAmount: collateralAmount, debt: debt,
            debtAmount: debtAmount, support: support, supportAmount: supportAmount)
    }

    /// `support`: a recursive farmer's other collateral. Required when the position borrows
    /// the asset it supplies (in kind), refused otherwise; it must count as collateral and
    /// differ from the pair's asset.
    static func decodeSupport(
        _ reader: JSONReader?, collateral: Int, debt: Int, debtReader: JSONReader,
        symbols: [String], assets: [LendingAssetSettings]
    ) throws(WorldError) -> Int? {
        guard let reader else {
            guard debt != collateral else {
                throw debtReader.error(
                    "must differ from collateral, or the position needs a support asset "
                        + "(a recursive farmer)")
            }
            return nil
        }
        guard debt == collateral else {
            throw reader.error("support is for in-kind positions (collateral = debt) only")
        }
        let support = symbols.firstIndex(of: try reader.oneOf(symbols)) ?? 0
        guard support != collateral else { throw reader.error("must differ from collateral") }
        guard assets[support].liquidationThresholdBps > 0 else {
            throw reader.error("\(symbols[support]) does not count as collateral")
        }
        return support
    }

    /// A positive amount in whole units (exact decimal), as base units.
    static func positive(_ reader: JSONReader, decimals: Int) throws(WorldError) -> UInt256 {
        let amount = try reader.baseUnits256(scale: decimals)
        guard !amount.isZero, amount < (UInt256.one << 120) else {
            throw reader.error("must be above zero and below 2^120 base units")
        }
        return amount
    }

    static func decodeLendingBorrowers(
        _ reader: JSONReader, symbols: [String], assets: [LendingAssetSettings], aave: Bool
    ) throws(WorldError) -> LendingPopulationSettings {
        let object = try reader.object()
        let count = try object.required("count").int(in: 0...1_000_000)
        var pairs: [LendingPair] = []
        var supports: [Int?] = []
        if let list = object.optional("pairs") {
            for entry in try list.array(count: 1...64) {
                let pairObject = try entry.object()
                let collateralReader = try pairObject.required("collateral")
                let collateral = symbols.firstIndex(of: try collateralReader.oneOf(symbols)) ?? 0
                let debtReader = try pairObject.required("debt")
                let debt = symbols.firstIndex(of: try debtReader.oneOf(symbols)) ?? 0
                let supportReader = pairObject.optional("support")
                if let supportReader, aave {
                    throw supportReader.error("support (recursive farmers) is Compound's")
                }
                let support = try decodeSupport(
                    supportReader, collateral: collateral, debt: debt, debtReader: debtReader,
                    symbols: symbols, assets: assets)
                supports.append(support)
                try pairObject.finish()
                guard assets[collateral].liquidationThresholdBps > 0,
                    assets[collateral].ltvBps > 0
                else {
                    throw collateralReader.error(
                        "\(symbols[collateral]) cannot be borrowed against (no LTV or threshold)")
                }
                pairs.append(LendingPair(collateral: collateral, debt: debt))
            }
        }
        guard count == 0 || !pairs.isEmpty else {
            throw reader.error("borrowers need at least one entry in pairs")
        }
        var settings = LendingPopulationSettings(count: count, pairs: pairs)
        if supports.contains(where: { $0 != nil }) { settings.supports = supports }
        if let value = object.optional("size_median") {
            settings.sizeMedian = try value.double(in: 1...1e12)
        }
        if let value = object.optional("size_sigma") {
            settings.sizeSigma = try value.double(in: 0...5)
        }
        if let value = object.optional("health_min") {
            settings.healthMinimum = try value.double(in: 1.01...100)
        }
        if let value = object.optional("health_max") {
            settings.healthMaximum = try value.double(in: 1.01...100)
        }
        guard settings.healthMinimum <= settings.healthMaximum else {
            throw reader.error("needs health_min <= health_max")
        }
        // A drawn borrow must pass the pool's LTV check at genesis: HF ≥ threshold / LTV.
        for pair in pairs where aave {
            let asset = assets[pair.collateral]
            let least = Double(asset.liquidationThresholdBps) / Double(asset.ltvBps) * 1.01
            guard settings.healthMinimum >= least else {
                throw reader.error(
                    "health_min must be at least \(least) for \(asset.symbol) collateral "
                        + "(threshold / LTV + 1%), or genesis borrows exceed the LTV")
            }
        }
        try object.finish()
        return settings
    }

    /// `keepers`: one group (an object) or several (an array), as Maker keepers.
    static func decodeLendingKeepers(
        _ reader: JSONReader, symbols: [String], assets: [LendingAssetSettings]
    ) throws(WorldError) -> [LendingKeeperSettings] {
        try decodeAgentGroups(
            reader, defaultName: "liquidator", limit: 1_000,
            limitMessage: "at most 1,000 lending keepers in a world",
            decodeGroup: { object throws(WorldError) in
                var template = LendingKeeperSettings(
                    name: "template", address: .zero,
                    capital: Array(repeating: .zero, count: assets.count))
                template.gas = try decodeGas(object, default: template.gas)
                try decodeLatencies(object, &template.observation, &template.propagation)
                if let section = object.optional("capital") {
                    let capital = try section.object()
                    for (key, value) in capital.entries() {
                        guard let asset = symbols.firstIndex(of: key) else {
                            throw value.error(
                                "no lending asset \(key); assets: \(symbols.joined(separator: ", "))"
                            )
                        }
                        template.capital[asset] = try value.baseUnits256(
                            scale: assets[asset].decimals)
                        guard template.capital[asset] < (UInt256.one << 120) else {
                            throw value.error("must be below 2^120 base units")
                        }
                    }
                }
                if let value = object.optional("eth_each") {
                    template.ethBalance = try value.uint64(in: 1...1_000_000_000)
                }
                if let value = object.optional("min_profit") {
                    template.minimumProfit = try value.double(in: 0...1e12)
                }
                if let value = object.optional("max_per_block") {
                    template.maxNewTransactionsPerBlock = try value.int(in: 1...1_000)
                }
                if let value = object.optional("retry_delay") {
                    template.retryDelay = .milliseconds(
                        try value.durationMilliseconds(in: 0...86_400_000))
                }
                if let list = object.optional("downtime") {
                    for window in try list.array(count: 0...1_000) {
                        let span = try window.object()
                        let from = try span.required("from").durationMilliseconds(
                            in: 0...Int64.max / 4)
                        let untilReader = try span.required("until")
                        let until = try untilReader.durationMilliseconds(in: 0...Int64.max / 4)
                        try span.finish()
                        guard from < until else { throw untilReader.error("must be after from") }
                        template.downtime.append(.milliseconds(from) ..< .milliseconds(until))
                    }
                }
                return template
            },
            place: { agent, name, index in
                agent.name = name
                agent.address = ProtocolWorld.lendingKeeper(index)
            })
    }
}

/// `protocol.lending.exploiters`: oracle exploiters (docs/worlds.md, "exploiters").
extension ProtocolWorldDecoding {
    /// One group (an object) or several (an array), as lending keepers.
    static func decodeLendingExploiters(
        _ reader: JSONReader, symbols: [String], assets: [LendingAssetSettings],
        others: LendingSettings
    ) throws(WorldError) -> [LendingExploiterSettings] {
        try decodeAgentGroups(
            reader, defaultName: "exploiter", limit: 100,
            limitMessage: "at most 100 lending exploiters in a world",
            decodeGroup: { object throws(WorldError) in
                let assetReader = try object.required("asset")
                let collateral = symbols.firstIndex(of: try assetReader.oneOf(symbols)) ?? 0
                guard assets[collateral].liquidationThresholdBps > 0, assets[collateral].ltvBps > 0
                else {
                    throw assetReader.error(
                        "\(symbols[collateral]) cannot be borrowed against (no collateral factor or "
                            + "LTV)")
                }
                let borrowReader = try object.required("borrow")
                let debt = symbols.firstIndex(of: try borrowReader.oneOf(symbols)) ?? 0
                guard debt != collateral else { throw borrowReader.error("must differ from asset") }
                // The race ledger counts every lending race in one unit: the debt asset when all
                // positions borrow one, else USD.
                let otherDebts = Set(
                    others.accounts.map(\.debt)
                        + (others.population.count > 0 ? others.population.pairs.map(\.debt) : []))
                if otherDebts.count == 1, let only = otherDebts.first, only != debt {
                    throw borrowReader.error(
                        "must be \(symbols[only]), the asset every other position borrows (races "
                            + "count in one unit)")
                }
                let capital = try object.required("capital").double(in: 0...1e12)
                var template = LendingExploiterSettings(
                    name: "template", address: .zero, collateral: collateral, debt: debt,
                    capital: capital)
                template.gas = try decodeGas(object, default: template.gas)
                try decodeLatencies(object, &template.observation, &template.propagation)
                if let value = object.optional("reinvest") {
                    template.reinvest = try value.bool()
                }
                if let value = object.optional("min_edge") {
                    template.minimumEdge = Double(try bps(value, in: 0...100_000)) / 10_000
                }
                if let value = object.optional("min_profit") {
                    template.minimumProfit = try value.double(in: 0...1e12)
                }
                if let value = object.optional("borrow_share") {
                    template.borrowShare = Double(try bps(value, in: 1...10_000)) / 10_000
                }
                if let value = object.optional("round_max") {
                    template.roundMaximum = try value.double(in: 1...1e12)
                }
                if let value = object.optional("eth_each") {
                    template.ethBalance = try value.uint64(in: 1...1_000_000_000)
                }
                // What its venue purchases stand for on chain: ten trillion units, or 2^110 base
                // units when that is less (it never supplies more than it bought).
                let decimals = assets[collateral].decimals
                template.inventory =
                    decimals <= 20
                    ? UInt256.powerOfTen(13 + decimals) : (UInt256.one << 110)
                return template
            },
            place: { agent, name, index in
                agent.name = name
                agent.address = ProtocolWorld.lendingExploiter(index)
            })
    }
}
