import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolWorld {
    /// The genesis state and what the agents need to know of it.
    struct Genesis {
        var state: ProtocolState
        var eth: TokenID
        var ilks: [MakerSystem.IlkID]
        var medians: [Int]
        var pairs: [Int?]
        var vaults: [BorrowerVault]
        var lending: LendingGenesis? = nil
        /// The perpetuals exchange and its accounts, when the world has one.
        var perps: PerpGenesis? = nil
        /// The options exchange and its accounts, when the world has one.
        var options: OptionsGenesis? = nil
    }

    static let genesisAccountEth: UInt128 = 1_000

    /// Builds the genesis state (see the type's documentation). Throws when a setup step
    /// reverts or a value cannot be held: a configuration the contracts refuse (a price
    /// beyond the oracle's range, collateral that rounds to nothing at few decimals) that
    /// the world file's checks let through. The run then stops as on bad input, before its
    /// first block.
    static func genesis(
        _ configuration: ProtocolWorldConfiguration, market: MarketPath, assets: [AssetID]
    ) throws(GenesisError) -> Genesis {
        var ledger = TokenLedger()
        let eth = ledger.addToken(symbol: "ETH")
        let dai = ledger.addToken(symbol: "DAI")
        let tokens = configuration.collaterals.map { ledger.addToken(symbol: $0.symbol) }
        let huge = UInt256(1_000_000_000_000 as UInt64) * .rad
        var maker = MakerSystem(
            configuration: MakerSystem.Configuration(
                vow: vow, cat: cat, dog: dog, governance: governance, globalLine: huge,
                box: huge, globalHole: huge))
        var ilks: [MakerSystem.IlkID] = []
        for (index, settings) in configuration.collaterals.enumerated() {
            var liquidation = settings.liquidation
            switch liquidation {
            case .clip(var terms):
                terms.clipper = auctionHouse(index)
                liquidation = .clip(terms)
            case .flip(var terms):
                terms.flipper = auctionHouse(index)
                liquidation = .flip(terms)
            }
            ilks.append(
                maker.addIlk(
                    MakerSystem.IlkConfiguration(
                        name: settings.name, line: huge,
                        dust: UInt256(settings.dust) * .rad,
                        mat: UInt256(settings.matPercent) * .ray / UInt256(100 as UInt64),
                        liquidation: liquidation),
                    at: 0))
        }
        var state = ProtocolState(ledger: ledger, maker: maker, dai: dai, daiJoin: daiJoin)

        var medians: [Int] = []
        var pairs: [Int?] = []
        var prices: [Double] = []
        for (index, settings) in configuration.collaterals.enumerated() {
            let price = market.price(of: assets[index], at: .zero)
            prices.append(price)
            let wired = try GenesisError.placing(in: "protocol.collaterals[\(index)]") {
                () throws(GenesisError) in
                try wireCollateral(
                    &state, index: index, settings: settings, ilk: ilks[index],
                    token: tokens[index], price: price)
            }
            medians.append(wired.median)
            pairs.append(wired.pair)
        }

        let vaults = try GenesisError.placing(in: "protocol.borrowers") {
            () throws(GenesisError) in
            try openVaults(
                &state, configuration: configuration, ilks: ilks, tokens: tokens, eth: eth,
                prices: prices)
        }
        fund(&state, configuration: configuration, eth: eth, dai: dai, tokens: tokens)
        let lending = try configuration.lending.map { settings throws(GenesisError) in
            try GenesisError.placing(in: "protocol.lending") { () throws(GenesisError) in
                try addLending(
                    &state, configuration: configuration, settings: settings, market: market)
            }
        }
        let perps = try configuration.perps.map { settings throws(GenesisError) in
            try GenesisError.placing(in: "protocol.perps") { () throws(GenesisError) in
                try perpGenesis(
                    &state, settings: settings, market: market, seed: configuration.seed, eth: eth)
            }
        }
        addGuards(&state, configuration: configuration, eth: eth)
        let options = try configuration.options.map { settings throws(GenesisError) in
            try GenesisError.placing(in: "protocol.options") { () throws(GenesisError) in
                try optionsGenesis(
                    &state, settings: settings, market: market, seed: configuration.seed, eth: eth)
            }
        }
        return Genesis(
            state: state, eth: eth, ilks: ilks, medians: medians, pairs: pairs, vaults: vaults,
            lending: lending, perps: perps, options: options)
    }

    /// Collateral `index`'s oracles (a median with its first answer, an OSM that has
    /// passed it on), its join and spot, and its AMM pool when it has one: the median's
    /// index and the pool's.
    static func wireCollateral(
        _ state: inout ProtocolState, index: Int, settings: CollateralSettings,
        ilk: MakerSystem.IlkID, token: TokenID, price: Double
    ) throws(GenesisError) -> (median: Int, pair: Int?) {
        guard let priceWad = UInt256(truncating: price * 1e18), !priceWad.isZero else {
            throw GenesisError("collateral \(settings.name) has no price at the start (\(price))")
        }
        let median = state.addAggregator(
            MedianAggregator(
                address: Self.median(index), quorum: settings.quorum, minAnswer: .one,
                maxAnswer: UInt256(1_000_000_000_000 as UInt64) * .wad,
                transmitters: [transmitter(index)]))
        try perform(
            &state,
            .oracleTransmit(
                aggregator: median,
                observations: Array(repeating: priceWad, count: settings.quorum),
                observationsTimestamp: 0), transmitter(index), at: 0)
        var osm = OSM(address: Self.osm(index), wards: [governance], hop: 1)
        var osmEvents: [OSM.Event] = []
        do {
            try osm.apply(
                .poke(source: priceWad), caller: governance,
                block: BlockContext(number: 0, timestamp: 1), events: &osmEvents)
            try osm.apply(
                .poke(source: priceWad), caller: governance,
                block: BlockContext(number: 0, timestamp: 2), events: &osmEvents)
            try osm.apply(
                .step(hop: settings.hopSeconds), caller: governance,
                block: BlockContext(number: 0, timestamp: 2), events: &osmEvents)
        } catch {
            throw GenesisError("the OSM of \(settings.name) refused its first price: \(error)")
        }
        let osmIndex = state.addOSM(osm, source: median)
        state.addCollateral(ilk: ilk, token: token, join: join(index), osm: osmIndex)
        try perform(&state, .spotterPoke(ilk: ilk), governance, at: 2)
        let pair =
            settings.poolCollateral == 0
            ? nil
            : try addPool(
                &state, index: index, token: token, price: price, units: settings.poolCollateral)
        return (median, pair)
    }

    /// Applies a genesis call; throws on a revert (see `genesis`).
    static func perform(
        _ state: inout ProtocolState, _ call: ProtocolState.Call, _ caller: Address,
        at timestamp: UInt64
    ) throws(GenesisError) {
        var events: [ProtocolState.Event] = []
        do {
            try state.apply(
                call, caller: caller, block: BlockContext(number: 0, timestamp: timestamp),
                events: &events)
        } catch {
            // The call as Swift prints it, less the module names it repeats.
            let text = "\(call) by \(caller) reverted: \(error)"
            throw GenesisError(text.replacing("CascadeContracts.", with: ""))
        }
    }

    static func addPool(
        _ state: inout ProtocolState, index: Int, token: TokenID, price: Double, units: UInt64
    ) throws(GenesisError) -> Int {
        let pair = state.addPair(token, state.daiToken, address: pairAddress(index))
        let collateral = UInt256(units) * .wad
        // Said in the world's terms before the pair refuses it with `UniswapV2: OVERFLOW`.
        guard let daiAmount = UInt256(truncating: Double(units) * price * 1e18),
            daiAmount <= UniswapV2Pair.reserveLimit
        else {
            throw GenesisError(
                "its AMM pair would start with pool_collateral \(units) × the start price "
                    + "\(price) = \(Double(units) * price) DAI, more than a Uniswap v2 reserve "
                    + "holds (2¹¹² − 1 wei, about 5.19e15 DAI); lower pool_collateral")
        }
        state.ledger.mint(token, to: liquidityProvider, amount: collateral.toUInt128())
        state.ledger.mint(state.daiToken, to: liquidityProvider, amount: daiAmount.toUInt128())
        let tokenFirst = state.pair(pair).token0 == token
        try perform(
            &state,
            .addLiquidity(
                pair: pair, amount0: tokenFirst ? collateral : daiAmount,
                amount1: tokenFirst ? daiAmount : collateral, to: liquidityProvider),
            liquidityProvider, at: 2)
        return pair
    }

    /// Draws and opens the borrowers' vaults from the stream `borrowers`.
    static func openVaults(
        _ state: inout ProtocolState, configuration: ProtocolWorldConfiguration,
        ilks: [MakerSystem.IlkID], tokens: [TokenID], eth: TokenID, prices: [Double]
    ) throws(GenesisError) -> [BorrowerVault] {
        let settings = configuration.borrowers
        var random = RandomStream(seed: configuration.seed, name: "borrowers")
        struct Draw {
            var size: Double
            var ratio: Double
            var reactive: Bool
            var topsUp: Bool
        }
        var draws: [Draw] = []
        draws.reserveCapacity(settings.count)
        for _ in 0..<settings.count {
            let size = settings.sizeMedian * ChainMath.exp(settings.sizeSigma * random.normal())
            let ratio = random.uniform(settings.ratioMinimum, settings.ratioMaximum)
            let reactive = random.uniform() < settings.reactiveShare
            let topsUp = random.uniform() < settings.topUpShare
            draws.append(Draw(size: size, ratio: ratio, reactive: reactive, topsUp: topsUp))
        }
        if let total = settings.debtTotal, !draws.isEmpty {
            var drawnDebt = 0.0
            for (index, draw) in draws.enumerated() {
                drawnDebt += draw.size * prices[index % ilks.count] / draw.ratio
            }
            let scale = total / drawnDebt
            for index in draws.indices { draws[index].size *= scale }
        }
        var vaults: [BorrowerVault] = []
        vaults.reserveCapacity(settings.count)
        for (index, draw) in draws.enumerated() {
            let collateral = index % ilks.count
            let owner = borrower(index)
            let (reactive, topsUp) = (draw.reactive, draw.topsUp)
            // Never closer to `mat` than 0.5%, so rounding cannot make the frob unsafe.
            let mat = Double(configuration.collaterals[collateral].matPercent) / 100
            let ratio = max(draw.ratio, mat * 1.005)
            let dust = Double(configuration.collaterals[collateral].dust)
            let debt = max(draw.size * prices[collateral] / ratio, dust * 1.01)
            let units = debt * ratio / prices[collateral]
            guard let ink = UInt256(truncating: units * 1e18),
                let art = UInt256(truncating: debt * 1e18)
            else {
                throw GenesisError("vault \(index) is beyond what 256 bits hold (\(units) units)")
            }
            state.depositCollateral(ilk: ilks[collateral], owner: owner, amount: ink)
            try perform(
                &state, .maker(.frob(ilk: ilks[collateral], dink: .plus(ink), dart: .plus(art))),
                owner, at: 2)
            if reactive {
                state.ledger.mint(eth, to: owner, amount: 10 * UInt128.weiPerEther)
                if topsUp,
                    let reserve = UInt256(truncating: units * settings.reserveFraction * 1e18)
                {
                    state.ledger.mint(tokens[collateral], to: owner, amount: reserve.toUInt128())
                }
            }
            vaults.append(
                BorrowerVault(
                    owner: owner, collateral: collateral, reactive: reactive, topsUp: topsUp))
        }
        return vaults
    }

    /// Gas money and capital for the agents that send transactions.
    static func fund(
        _ state: inout ProtocolState, configuration: ProtocolWorldConfiguration, eth: TokenID,
        dai: TokenID, tokens: [TokenID]
    ) {
        let ether = UInt128.weiPerEther
        for index in configuration.collaterals.indices {
            state.ledger.mint(eth, to: transmitter(index), amount: genesisAccountEth * ether)
        }
        state.ledger.mint(eth, to: configuration.poker.address, amount: genesisAccountEth * ether)
        for keeper in configuration.keepers {
            state.ledger.mint(eth, to: keeper.address, amount: UInt128(keeper.ethBalance) * ether)
            state.ledger.mint(dai, to: keeper.address, amount: UInt128(keeper.daiCapital) * ether)
        }
        for arbitrageur in configuration.arbitrageurs {
            state.ledger.mint(
                eth, to: arbitrageur.address, amount: UInt128(arbitrageur.ethBalance) * ether)
            state.ledger.mint(
                dai, to: arbitrageur.address, amount: UInt128(arbitrageur.daiCapital) * ether)
            state.ledger.mint(
                tokens[arbitrageur.collateral], to: arbitrageur.address,
                amount: UInt128(arbitrageur.collateralCapital) * ether)
        }
    }
}

extension ProtocolWorld {
    /// The opt-in guards and governance, after every protocol is set up (timestamp 2): a
    /// guard around the lending pool or the perpetuals exchange (guard 0), one around the
    /// Maker system (after it), the governance
    /// contract, and ETH for the governance agent and the risk controller to pay gas.
    static func addGuards(
        _ state: inout ProtocolState, configuration: ProtocolWorldConfiguration, eth: TokenID
    ) {
        let guarded: (ProtocolGuard.Target, GuardSettings)?
        if let lending = configuration.lending, let settings = lending.guardSettings {
            guarded = (
                lending.kind == .compound
                    ? .compound(comptroller: 0) : .aave(pool: 0), settings
            )
        } else if let perps = configuration.perps, let settings = perps.guardSettings {
            guarded = (.perp(exchange: 0), settings)
        } else {
            guarded = nil
        }
        if let (target, settings) = guarded {
            _ = state.addGuard(
                ProtocolGuard(
                    target: target, breaker: settings.breaker.map { CircuitBreaker(rule: $0) },
                    feeDesign: settings.feeDesign, prices: state.guardPrices(target), at: 2))
        }
        // The Maker guard comes after the lending or perpetuals one (its governance index).
        if let settings = configuration.makerGuard {
            _ = state.addGuard(
                ProtocolGuard(
                    target: .maker, breaker: settings.breaker.map { CircuitBreaker(rule: $0) },
                    feeDesign: .fixed, prices: state.guardPrices(.maker), at: 2))
        }
        guard let governance = configuration.governance else { return }
        var proposers = [governanceExecutor]
        if governance.riskController != nil { proposers.append(riskControllerAddress) }
        state.setGovernance(
            Governance(delaySeconds: governance.delaySeconds, proposers: proposers))
        for address in proposers {
            state.ledger.mint(eth, to: address, amount: genesisAccountEth * .weiPerEther)
        }
    }
}

/// A world its contracts refuse to build: a genesis step reverted, or a value could not be
/// held (a price beyond the oracle's range, collateral that rounds to nothing at zero
/// decimals). The world file's checks let such values through; the run stops on them as
/// on bad input, before its first block, instead of trapping.
public struct GenesisError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    /// The world file's section that set up what failed (`protocol.lending`), when known.
    public var section: String?

    init(_ message: String) {
        self.message = message
    }

    /// Runs `body`, placing an error it throws in the world file's `section` (unless an
    /// inner step placed it already).
    static func placing<T>(
        in section: String, _ body: () throws(GenesisError) -> T
    ) throws(GenesisError) -> T {
        do {
            return try body()
        } catch {
            var placed = error
            if placed.section == nil { placed.section = section }
            throw placed
        }
    }

    public var description: String {
        "the world's genesis failed" + (section.map { " in \($0)" } ?? "") + ": \(message)"
    }
}

/// Why a protocol world could not be built: its market, or its genesis.
public enum ProtocolWorldError: Error, Hashable, Sendable, CustomStringConvertible {
    case market(MarketError)
    case genesis(GenesisError)

    public var description: String {
        switch self {
        case .market(let error): "the market cannot be built: \(error)"
        case .genesis(let error): error.description
        }
    }
}
