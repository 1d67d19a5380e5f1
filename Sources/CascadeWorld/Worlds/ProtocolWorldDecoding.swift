import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Decodes a protocol world's `protocol` section into a `ProtocolWorldConfiguration`.
/// Every key is listed in docs/worlds.md with its unit, default and range; a key left out
/// takes the default written there (the library's `CollateralSettings`, `KeeperSettings`,
/// ... defaults), never a guess.
enum ProtocolWorldDecoding {
    static func decode(
        _ reader: JSONReader, seed: UInt64, duration: Int64, limits: KernelLimits
    ) throws(WorldError) -> ProtocolWorldConfiguration {
        let object = try reader.object()
        let chain = try object.required("chain").object()
        let production = try ChainWorldDecoding.decodeProduction(try chain.required("production"))
        let feeMarket = try ChainWorldDecoding.decodeMarket(chain)
        let gasLimit = try chain.required("gas_limit").uint64(in: 5_000_000...1_000_000_000)
        try chain.finish()
        let demand = try object.optional("congestion").map { section throws(WorldError) in
            try ChainWorldDecoding.decodeCongestion(
                section, gasLimit: gasLimit, production: production, market: feeMarket)
        }
        let market = try decodeMarket(
            try object.required("market"), seed: seed, duration: duration)
        let assetNames = market.assets.map(\.name)
        // A lending world (`lending`) has no Maker parts and no perpetuals: one protocol
        // per world. A perpetuals world may leave the Maker sections out.
        let lending = try object.optional("lending").map { section throws(WorldError) in
            try decodeLending(section, assets: assetNames)
        }
        if let lending, let section = object.optional("lending") {
            try checkGenesisAnswers(
                lending.settings, section: section, market: market, seed: seed)
        }
        if lending != nil, let section = object.optional("perps") {
            throw section.error("a lending world has no perps (one protocol per world)")
        }
        var collaterals: [CollateralSettings] = []
        try refuseMakerSections(object, lending: lending != nil)
        for entry in try lending == nil ? collateralEntries(object) : [] {
            let collateral = try decodeCollateral(entry, assets: assetNames)
            guard !collaterals.contains(where: { $0.name == collateral.name }) else {
                throw entry.error("collateral \(collateral.name) is named twice")
            }
            collaterals.append(collateral)
        }
        let borrowers =
            try lending != nil
            ? BorrowerPopulationSettings(count: 0)
            : makerSection(object, "borrowers").map { section throws(WorldError) in
                let settings = try decodeBorrowers(
                    section, collaterals: collaterals, market: market, seed: seed)
                try requireCollaterals(collaterals, for: section, count: settings.count)
                return settings
            } ?? BorrowerPopulationSettings(count: 0)
        let keepers =
            try lending != nil ? [] : makerSection(object, "keepers").map(decodeKeepers) ?? []
        let perps = try object.optional("perps").map { section throws(WorldError) in
            try decodePerps(section, assets: assetNames)
        }
        if let section = object.optional("options") {
            if lending != nil || perps != nil {
                throw section.error(
                    "an options world has no lending or perps (one exchange world at a time)")
            }
        }
        let options = try object.optional("options").map { section throws(WorldError) in
            try decodeOptions(section, assets: assetNames)
        }
        let arbitrageurs = try object.optional("arbitrageurs").map {
            section throws(WorldError) in
            try requireCollaterals(collaterals, for: section, count: 1)
            return try decodeArbitrageurs(section, collaterals: collaterals)
        }
        var poker = OSMPokerSettings(address: ProtocolWorld.pokerAddress)
        if let section = object.optional("osm_poker") {
            let pokerObject = try section.object()
            poker.gas = try decodeGas(pokerObject, default: poker.gas)
            try decodeLatencies(pokerObject, &poker.observation, &poker.propagation)
            try pokerObject.finish()
        }
        var makerGuard: GuardSettings?
        if let section = object.optional("circuit_breaker") {
            guard lending == nil, !collaterals.isEmpty else {
                throw section.error(
                    "the Maker system's breaker; a lending pool's or an exchange's is under "
                        + "lending or perps")
            }
            makerGuard = GuardSettings(
                breaker: try decodeBreaker(section, trading: "borrowing"))
        }
        let governance = try object.optional("governance").map { section throws(WorldError) in
            try decodeGovernance(
                section,
                world: GovernedWorld(
                    lending: lending?.settings, perps: perps, collaterals: collaterals,
                    makerGuard: makerGuard))
        }
        try object.finish()
        var configuration = ProtocolWorldConfiguration(
            seed: seed,
            chain: ChainConfiguration(
                market: feeMarket, production: production,
                gasLimits: GasLimitSchedule(initial: gasLimit), nativeToken: TokenID(rawValue: 0)),
            demand: demand, market: market, collaterals: collaterals, borrowers: borrowers,
            keepers: keepers, arbitrageurs: arbitrageurs ?? [], poker: poker, limits: limits,
            lending: lending?.settings, perps: perps)
        if let lending { configuration.nativeAsset = lending.gasAsset }
        configuration.governance = governance
        configuration.makerGuard = makerGuard
        configuration.options = options
        return configuration
    }

    /// Each lending asset's market price at timestamp 0 must lie within its feed's bounds:
    /// genesis writes it as the feed's first answer, and the aggregator would refuse it.
    static func checkGenesisAnswers(
        _ settings: LendingSettings, section: JSONReader, market: MarketConfiguration,
        seed: UInt64
    ) throws(WorldError) {
        guard let path = try? MarketPath(configuration: market, seed: seed) else { return }
        let assets = try section.object().required("assets").array(count: 0...16)
        for (index, asset) in settings.assets.enumerated() {
            guard let id = path.asset(named: asset.asset) else { continue }
            // As genesis writes it: the price at 0 as a WAD, truncated.
            let price = path.price(of: id, at: .zero)
            let wad = UInt256(truncating: price * 1e18) ?? .zero
            guard asset.minAnswer <= wad, wad <= asset.maxAnswer, index < assets.count else {
                throw assets[min(index, assets.count - 1)].error(
                    "\(asset.asset)'s price at the start (\(price)) is outside min_answer … "
                        + "max_answer: the feed could not publish its first answer")
            }
        }
    }

    /// A lending world refuses the Maker-only sections (one protocol per world).
    static func refuseMakerSections(_ object: JSONObjectReader, lending: Bool)
        throws(WorldError)
    {
        guard lending else { return }
        for key in ["collaterals", "borrowers", "keepers", "arbitrageurs", "osm_poker"] {
            if let section = object.optional(key) {
                throw section.error(
                    "a lending world has no Maker \(key) (one protocol per world); its "
                        + "borrowers and keepers are under lending")
            }
        }
    }

    // MARK: - Shared pieces

    /// A share: a percentage from 0% to 100%.
    static func share(_ reader: JSONReader) throws(WorldError) -> Double {
        let value = try reader.percentage().approximateDouble
        guard value <= 1 else { throw reader.error("must be at most 100%") }
        return value
    }

    /// A duration in whole seconds within `range` (seconds).
    static func wholeSeconds(_ reader: JSONReader, in range: ClosedRange<Int64>)
        throws(WorldError) -> UInt64
    {
        let milliseconds = try reader.durationMilliseconds(
            in: (range.lowerBound * 1_000)...(range.upperBound * 1_000))
        guard milliseconds % 1_000 == 0 else { throw reader.error("must be whole seconds") }
        return UInt64(milliseconds / 1_000)
    }

    /// The gas keys an agent section may hold — `strategy`, `gas_ceiling`, `raise_by`,
    /// `raise_cap` — applied on top of `default`.
    static func decodeGas(_ object: JSONObjectReader, default policy: GasPolicy)
        throws(WorldError) -> GasPolicy
    {
        var gas = policy
        if let strategy = object.optional("strategy") {
            gas.strategy = try ChainWorldDecoding.decodeStrategy(
                strategy, allowsMarketMultiple: true)
        }
        if let ceiling = object.optional("gas_ceiling") {
            gas.ceiling = try ceiling.wei()
        }
        if let raise = object.optional("raise_by") {
            gas.raisePercent = try raise.wholePercent(in: 10...1_000)
        }
        if let cap = object.optional("raise_cap") {
            gas.raiseCap = try cap.wei()
        }
        return gas
    }

    /// `observation` and `propagation` latencies, when present.
    static func decodeLatencies(
        _ object: JSONObjectReader, _ observation: inout LatencyModel,
        _ propagation: inout LatencyModel
    ) throws(WorldError) {
        if let reader = object.optional("observation") {
            observation = try ChainWorldDecoding.decodeLatency(reader)
        }
        if let reader = object.optional("propagation") {
            propagation = try ChainWorldDecoding.decodeLatency(reader)
        }
    }
}
