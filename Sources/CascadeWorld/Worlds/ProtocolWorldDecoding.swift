import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Decodes a protocol world's `protocol` section into a `ProtocolWorldConfiguration`.
/// A deliberately small schema: every key not listed in docs/worlds.md keeps the
/// library's default (`CollateralSettings`, `BorrowerPopulationSettings`, ...).
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
        let collateralsReader = try object.required("collaterals")
        var collaterals: [CollateralSettings] = []
        for entry in try collateralsReader.array(count: 1...16) {
            let collateral = try decodeCollateral(entry, assets: assetNames)
            guard !collaterals.contains(where: { $0.name == collateral.name }) else {
                throw entry.error("collateral \(collateral.name) is named twice")
            }
            collaterals.append(collateral)
        }
        let borrowers = try decodeBorrowers(try object.required("borrowers"))
        let keepers = try decodeKeepers(try object.required("keepers"))
        var arbitrageurs: [ArbitrageurSettings] = []
        if let section = object.optional("arbitrageurs") {
            let arbitrageurObject = try section.object()
            let count = try arbitrageurObject.required("count").int(in: 0...100)
            try arbitrageurObject.finish()
            arbitrageurs = (0..<count).map { index in
                ArbitrageurSettings(
                    name: "arbitrageur-\(index)", address: ProtocolWorld.arbitrageur(index),
                    collateral: index % collaterals.count)
            }
        }
        try object.finish()
        return ProtocolWorldConfiguration(
            seed: seed,
            chain: ChainConfiguration(
                market: feeMarket, production: production,
                gasLimits: GasLimitSchedule(initial: gasLimit), nativeToken: TokenID(rawValue: 0)),
            demand: demand, market: market, collaterals: collaterals, borrowers: borrowers,
            keepers: keepers, arbitrageurs: arbitrageurs, limits: limits)
    }

    /// `market`: `resolution` (default 1 s) and `assets`; the horizon is the world's duration.
    static func decodeMarket(_ reader: JSONReader, seed: UInt64, duration: Int64)
        throws(WorldError) -> MarketConfiguration
    {
        let object = try reader.object()
        let resolution =
            try object.optional("resolution")?.durationMilliseconds(in: 100...3_600_000) ?? 1_000
        var assets: [MarketAsset] = []
        for entry in try object.required("assets").array(count: 1...16) {
            let asset = try entry.object()
            let name = try asset.required("name").nonEmptyString()
            guard !assets.contains(where: { $0.name == name }) else {
                throw entry.error("asset \(name) is named twice")
            }
            let modelReader = try asset.required("model")
            let model = try modelReader.object()
            let kind = try model.required("kind").oneOf(["gbm", "jump_diffusion"])
            let price = try model.required("price").double(in: 1e-6...1e12)
            let drift = try model.optional("drift")?.double(in: -10...10) ?? 0
            let volatility = try model.required("volatility").double(in: 0...10)
            let priceModel: PriceModel
            if kind == "gbm" {
                let process = GeometricBrownianMotion(
                    price: price, drift: drift, volatility: volatility)
                if let problem = process.problem { throw modelReader.error(problem) }
                priceModel = .geometricBrownian(process)
            } else {
                let process = MertonJumpDiffusion(
                    price: price, drift: drift, volatility: volatility,
                    jumpIntensity: try model.required("jump_intensity").double(in: 0...10_000),
                    jumpMean: try model.required("jump_mean").double(in: -5...5),
                    jumpVolatility: try model.required("jump_volatility").double(in: 0...5))
                if let problem = process.problem { throw modelReader.error(problem) }
                priceModel = .jumpDiffusion(process)
            }
            try model.finish()
            var shocks: [ScriptedShock] = []
            if let list = asset.optional("shocks") {
                for shockReader in try list.array(count: 0...1_000) {
                    let shockObject = try shockReader.object()
                    let at = try shockObject.required("at").durationMilliseconds(
                        in: 0...Int64.max / 4)
                    let changeReader = try shockObject.required("change")
                    let change = try changeReader.percentage(allowNegative: true)
                        .approximateDouble
                    let over =
                        try shockObject.optional("over")?.durationMilliseconds(
                            in: 0...Int64.max / 4) ?? 0
                    try shockObject.finish()
                    let shock = ScriptedShock(
                        start: .milliseconds(at), change: change, duration: .milliseconds(over))
                    if let problem = shock.problem { throw shockReader.error(problem) }
                    shocks.append(shock)
                }
            }
            try asset.finish()
            assets.append(MarketAsset(name: name, model: priceModel, shocks: shocks))
        }
        try object.finish()
        let configuration = MarketConfiguration(
            assets: assets, resolution: .milliseconds(resolution),
            horizon: .milliseconds(max(duration, resolution)))
        do {
            _ = try MarketPath(configuration: configuration, seed: seed)
        } catch {
            throw reader.error(error.description)
        }
        return configuration
    }

    static func decodeCollateral(_ reader: JSONReader, assets: [String]) throws(WorldError)
        -> CollateralSettings
    {
        let object = try reader.object()
        let name = try object.required("ilk").nonEmptyString()
        let assetReader = try object.required("asset")
        let asset = try assetReader.oneOf(assets)
        let liquidation =
            try object.optional("liquidation")?.oneOf(["clipper", "flipper"]) ?? "clipper"
        var mat: UInt64 = 150
        if let matReader = object.optional("mat") {
            let percent = try matReader.percentage()
            guard let value = try? percent.shifted(by: 2).baseUnits(scale: 0), value > 100,
                value <= 10_000
            else {
                throw matReader.error("a whole percentage above 100% and at most 10000%")
            }
            mat = UInt64(value)
        }
        let hop =
            try object.optional("hop")?.durationMilliseconds(in: 1_000...65_535_000) ?? 3_600_000
        guard hop % 1_000 == 0 else {
            throw try object.required("hop").error("must be whole seconds")
        }
        let dust = try object.optional("dust")?.uint64(in: 0...1_000_000_000) ?? 100
        let pool = try object.optional("pool_collateral")?.uint64(in: 0...1_000_000_000) ?? 50_000
        var operators = 13
        var quorum = 7
        if let feedsReader = object.optional("feeds") {
            let feeds = try feedsReader.object()
            operators = try feeds.optional("operators")?.int(in: 1...100) ?? operators
            quorum = try feeds.optional("quorum")?.int(in: 1...100) ?? min(quorum, operators)
            try feeds.finish()
            guard quorum <= operators else {
                throw feedsReader.error("quorum \(quorum) is above the \(operators) operators")
            }
        }
        var transmitter = FeedTransmitterSettings(name: "", address: .zero)
        if let ceiling = object.optional("transmitter_gas_ceiling") {
            transmitter.gas.ceiling = try ceiling.wei()
        }
        try object.finish()
        return CollateralSettings(
            name: name, symbol: "W" + asset, asset: asset,
            liquidation: liquidation == "flipper"
                ? CollateralSettings.flipperTerms : CollateralSettings.clipperTerms,
            matPercent: mat, dust: dust, hopSeconds: UInt16(hop / 1_000), poolCollateral: pool,
            operators: operators, quorum: quorum, transmitter: transmitter)
    }

    static func decodeBorrowers(_ reader: JSONReader) throws(WorldError)
        -> BorrowerPopulationSettings
    {
        let object = try reader.object()
        var settings = BorrowerPopulationSettings(
            count: try object.required("count").int(in: 0...1_000_000))
        if let value = object.optional("size_median") {
            settings.sizeMedian = try value.double(in: 0.01...1_000_000)
        }
        if let value = object.optional("size_sigma") {
            settings.sizeSigma = try value.double(in: 0...5)
        }
        if let value = object.optional("ratio_min") {
            settings.ratioMinimum = try value.percentage().approximateDouble
        }
        if let value = object.optional("ratio_max") {
            settings.ratioMaximum = try value.percentage().approximateDouble
        }
        if let value = object.optional("reactive_share") {
            settings.reactiveShare = try share(value)
        }
        if let value = object.optional("top_up_share") {
            settings.topUpShare = try share(value)
        }
        guard settings.ratioMinimum > 1, settings.ratioMinimum <= settings.ratioMaximum else {
            throw reader.error("needs 100% < ratio_min <= ratio_max")
        }
        try object.finish()
        return settings
    }

    static func share(_ reader: JSONReader) throws(WorldError) -> Double {
        let value = try reader.percentage().approximateDouble
        guard value <= 1 else { throw reader.error("must be at most 100%") }
        return value
    }

    /// `keepers`: `count` identical bots (names `keeper-<i>`) from one template.
    static func decodeKeepers(_ reader: JSONReader) throws(WorldError) -> [KeeperSettings] {
        let object = try reader.object()
        let count = try object.required("count").int(in: 0...1_000)
        var template = KeeperSettings(name: "template", address: .zero)
        if let strategy = object.optional("strategy") {
            template.gas.strategy = try ChainWorldDecoding.decodeStrategy(strategy)
        }
        if let ceiling = object.optional("gas_ceiling") {
            template.gas.ceiling = try ceiling.wei()
        }
        if let raise = object.optional("raise_by") {
            let percent = try raise.percentage()
            guard let value = try? percent.shifted(by: 2).baseUnits(scale: 0), value >= 10,
                value <= 1_000
            else {
                throw raise.error("a whole percentage from 10% to 1000%")
            }
            template.gas.raisePercent = UInt64(value)
        }
        if let capital = object.optional("dai_capital") {
            template.daiCapital = try capital.uint64(in: 0...1_000_000_000_000)
        }
        if let eth = object.optional("eth_each") {
            template.ethBalance = try eth.uint64(in: 1...1_000_000_000)
        }
        if let flash = object.optional("flash_takes") {
            template.usesFlashTakes = try flash.bool()
        }
        if let observation = object.optional("observation") {
            template.observation = try ChainWorldDecoding.decodeLatency(observation)
        }
        if let propagation = object.optional("propagation") {
            template.propagation = try ChainWorldDecoding.decodeLatency(propagation)
        }
        try object.finish()
        return (0..<count).map { index in
            var keeper = template
            keeper.name = "keeper-\(index)"
            keeper.address = ProtocolWorld.keeper(index)
            return keeper
        }
    }
}
