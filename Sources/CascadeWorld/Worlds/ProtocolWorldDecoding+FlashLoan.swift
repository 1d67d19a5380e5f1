import CascadeAgents
import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

// `protocol.lending.pair` and `protocol.lending.flash_attackers` (docs/worlds.md, "pair"):
// a Uniswap v2 pair of two lending assets, where the pool reads the asset's price, and the
// attackers that flash-borrow against it.

extension ProtocolWorldDecoding {
    static let pairPriceSources = ["oracle", "spot", "twap"]

    /// `pair`: the asset and its quote (two different assets of the pool), both reserves
    /// at genesis, the price source, and the arbitrageur and TWAP poker.
    static func decodeLendingPair(
        _ reader: JSONReader, symbols: [String], assets: [LendingAssetSettings], aave: Bool
    ) throws(WorldError) -> LendingPairSettings {
        let object = try reader.object()
        let assetReader = try object.required("asset")
        let asset = symbols.firstIndex(of: try assetReader.oneOf(symbols)) ?? 0
        let quoteReader = try object.required("quote")
        let quote = symbols.firstIndex(of: try quoteReader.oneOf(symbols)) ?? 0
        guard quote != asset else { throw quoteReader.error("must differ from asset") }
        let assetReserve = try positive(
            object.required("asset_reserve"), decimals: assets[asset].decimals)
        let quoteReserve = try positive(
            object.required("quote_reserve"), decimals: assets[quote].decimals)
        let sourceReader = try object.required("price_source")
        let source: LendingPairSettings.PriceSource
        switch try sourceReader.oneOf(pairPriceSources) {
        case "oracle": source = .oracle
        case "spot": source = .spot
        default:
            var window: UInt64 = 1_800
            if let value = object.optional("twap_window") {
                window = try wholeSeconds(value, in: 60...7 * 86_400)
            }
            source = .twap(windowSeconds: UInt32(window))
        }
        if source != .oracle, !aave {
            throw sourceReader.error(
                "a pool priced from a pair is Aave's (DexPriceFeed); a Compound pool takes "
                    + "\"oracle\"")
        }
        if case .twap = source {
        } else {
            for key in ["twap_window", "twap_poker"] {
                if let value = object.optional(key) {
                    throw value.error("\(key) is for price_source \"twap\"")
                }
            }
        }
        var pair = LendingPairSettings(
            asset: asset, quote: quote, assetReserve: assetReserve, quoteReserve: quoteReserve,
            priceSource: source)
        if let value = object.optional("arbitrageur") {
            let terms = try value.object()
            var arbitrageur = try decodeArbitrageurTerms(
                terms, capitalKeys: ("asset_capital", "quote_capital"))
            try terms.finish()
            arbitrageur.name = "pair-arbitrageur"
            arbitrageur.address = ProtocolWorld.lendingArbitrageur
            arbitrageur.collateral = asset
            pair.arbitrageur = arbitrageur
        }
        if case .twap = source {
            var poker = OSMPokerSettings(
                name: "twap-poker", address: ProtocolWorld.lendingTWAPPoker)
            if let value = object.optional("twap_poker") {
                let terms = try value.object()
                poker.gas = try decodeGas(terms, default: poker.gas)
                try decodeLatencies(terms, &poker.observation, &poker.propagation)
                try terms.finish()
            }
            pair.poker = poker
        }
        try object.finish()
        return pair
    }

    /// `flash_attackers`: one group (an object) or several (an array), as lending keepers.
    /// They need the pair and an Aave pool, and the pair's asset must be collateral.
    static func decodeFlashAttackers(
        _ reader: JSONReader, settings: LendingSettings
    ) throws(WorldError) -> [FlashLoanAttackerSettings] {
        guard case .aave = settings.kind else {
            throw reader.error("flash loans are Aave's; a Compound pool has none")
        }
        guard let pair = settings.pair else {
            throw reader.error("flash attackers need a pair (protocol.lending.pair)")
        }
        let asset = settings.assets[pair.asset]
        guard asset.ltvBps > 0 else {
            throw reader.error(
                "the pair's asset \(asset.symbol) has no LTV: nothing can be borrowed against it")
        }
        return try decodeAgentGroups(
            reader, defaultName: "flash-attacker", limit: 100,
            limitMessage: "at most 100 flash attackers in a world",
            decodeGroup: { object throws(WorldError) in
                var template = FlashLoanAttackerSettings(name: "template", address: .zero)
                if let value = object.optional("sizes") {
                    template.sizes = try value.int(in: 1...64)
                }
                if let value = object.optional("min_profit") {
                    template.minimumProfit = try value.double(in: 0...1e12)
                }
                if let value = object.optional("eth_each") {
                    template.ethBalance = try value.uint64(in: 1...1_000_000_000)
                }
                template.gas = try decodeGas(object, default: template.gas)
                try decodeLatencies(object, &template.observation, &template.propagation)
                return template
            },
            place: { agent, name, index in
                agent.name = name
                agent.address = ProtocolWorld.flashAttacker(index)
            })
    }
}
