import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The lending part of a running protocol world: the pool's reader, its oracle node and
/// feed operators, its keepers, and where its accounts and venues are.
public struct LendingWorld {
    public let reader: LendingPoolReader
    public let transmitter: LendingFeedTransmitter
    public let operators: [FeedOperator]
    public let keepers: [LendingKeeper]
    public let exploiters: [LendingExploiter]
    /// The pair's arbitrageur and TWAP poker, and the flash-loan attackers (none without a
    /// pair).
    public let pairArbitrageur: Arbitrageur?
    public let twapPoker: OSMPoker?
    public let flashAttackers: [FlashLoanAttacker]
    /// The pair (`ProtocolState.pairs`) and its TWAP oracle (`ProtocolState.twaps`), when
    /// the world has them.
    public let pair: Int?
    public let twap: Int?
    /// The accounts (named first, then the drawn borrowers) are
    /// `[firstAccount, firstAccount + accountCount)`.
    public let firstAccount: UInt32
    public let accountCount: Int
    /// The market view's venue index of asset 0 (asset `i` is `venueBase + i`).
    public let venueBase: Int
    /// The tokens of the assets, in order.
    public let tokens: [TokenID]
    /// The named accounts' names: account `firstAccount + i` is `accountNames[i]`.
    public let accountNames: [String]
}

/// What genesis built for a lending pool.
struct LendingGenesis {
    var reader: LendingPoolReader
    var tokens: [TokenID]
    var aggregators: [Int]
    var firstAccount: UInt32
    var accountCount: Int
    /// The pair and its TWAP oracle, when the world has them.
    var pair: Int? = nil
    var twap: Int? = nil
}

extension ProtocolWorld {
    /// The lending pool's oracle node (its pool's only price writer).
    public static let lendingTransmitter = Address(3_000)
    /// The Aave pool's treasury.
    public static let lendingTreasury = Address(3_001)
    /// The Compound comptroller's anchored price view.
    public static let lendingPriceView = Address(3_002)
    /// The median aggregator of lending asset `index`.
    public static func lendingMedian(_ index: Int) -> Address { Address(UInt32(3_100 + index)) }
    /// The aToken (Aave) or cToken (Compound) of lending asset `index`: it holds the cash.
    public static func lendingCustody(_ index: Int) -> Address {
        Address(UInt32(3_200 + index))
    }
    /// Lending keeper `index` (up to 1,000).
    public static func lendingKeeper(_ index: Int) -> Address { Address(UInt32(4_000 + index)) }
    /// Lending exploiter `index` (up to 100).
    public static func lendingExploiter(_ index: Int) -> Address {
        Address(UInt32(5_000 + index))
    }
    /// The lending pair, its TWAP oracle, its arbitrageur and the oracle's poker.
    public static let lendingPair = Address(3_003)
    public static let lendingTWAP = Address(3_004)
    public static let lendingArbitrageur = Address(3_005)
    public static let lendingTWAPPoker = Address(3_006)
    /// Flash-loan attacker `index` (up to 100).
    public static func flashAttacker(_ index: Int) -> Address { Address(UInt32(5_200 + index)) }

    /// Builds the lending pool into `state` at genesis (docs/model/lending-world.md):
    /// tokens, one median aggregator per asset (written by the node at timestamp 0 with the
    /// market price), the pool with its assets at those prices, suppliers' cash, the named
    /// accounts, then the drawn borrowers (stream `lending-borrowers`), each supplying its
    /// collateral and borrowing at timestamp 2. Traps on a refused setup step: world files
    /// are validated before this.
    static func addLending(
        _ state: inout ProtocolState, configuration: ProtocolWorldConfiguration,
        settings: LendingSettings, market: MarketPath
    ) throws(GenesisError) -> LendingGenesis {
        let assets = settings.assets.map { asset -> AssetID in
            guard let id = market.asset(named: asset.asset) else {
                preconditionFailure("lending asset \(asset.symbol): no market asset \(asset.asset)")
            }
            return id
        }
        let tokens = settings.assets.map { state.ledger.addToken(symbol: $0.symbol) }
        var prices: [UInt256] = []
        for (asset, id) in zip(settings.assets, assets) {
            let price = market.price(of: id, at: .zero)
            guard let wad = UInt256(truncating: price * 1e18), !wad.isZero else {
                throw GenesisError(
                    "lending asset \(asset.symbol) has no price at the start (\(price))")
            }
            prices.append(wad)
        }
        var aggregators: [Int] = []
        for (index, asset) in settings.assets.enumerated() {
            let median = state.addAggregator(
                MedianAggregator(
                    address: lendingMedian(index), quorum: asset.quorum,
                    minAnswer: asset.minAnswer, maxAnswer: asset.maxAnswer,
                    transmitters: [lendingTransmitter]))
            try perform(
                &state,
                .oracleTransmit(
                    aggregator: median,
                    observations: Array(repeating: prices[index], count: asset.quorum),
                    observationsTimestamp: 0), lendingTransmitter, at: 0)
            aggregators.append(median)
        }
        let reader: LendingPoolReader
        switch settings.kind {
        case .aave(let version):
            var pool = AavePool(
                configuration: .init(
                    version: version, treasury: lendingTreasury, oracle: lendingTransmitter))
            for (index, asset) in settings.assets.enumerated() {
                _ = pool.addReserve(
                    AavePool.ReserveConfiguration(
                        token: tokens[index], aToken: lendingCustody(index),
                        decimals: asset.decimals, ltvBps: UInt256(asset.ltvBps),
                        liquidationThresholdBps: UInt256(asset.liquidationThresholdBps),
                        liquidationBonusBps: UInt256(asset.liquidationBonusBps),
                        liquidationProtocolFeeBps: UInt256(asset.protocolFeeBps),
                        reserveFactorBps: UInt256(asset.reserveFactorBps),
                        interestRates: asset.interest),
                    price: prices[index] / UInt256.powerOfTen(10), at: 0)
            }
            reader = LendingPoolReader(kind: settings.kind, pool: state.addAavePool(pool))
        case .compound:
            let basis = UInt256(100_000_000_000_000 as UInt64)  // 1 bp as WAD
            var comptroller = CompoundComptroller(
                configuration: .init(
                    closeFactor: UInt256(settings.closeFactorBps) * basis,
                    liquidationIncentive: UInt256(settings.liquidationIncentiveBps) * basis),
                oracle: AnchoredPriceView(
                    address: lendingPriceView, reporter: lendingTransmitter,
                    assetCount: settings.assets.count,
                    toleranceWad: settings.anchorToleranceWad))
            for (index, asset) in settings.assets.enumerated() {
                // Compound's cTokens have 8 decimals and start at 0.02 underlying each.
                let initialRate =
                    UInt256(2 as UInt64) * UInt256.powerOfTen(16 + asset.decimals - 8)
                _ = comptroller.addMarket(
                    CompoundComptroller.MarketConfiguration(
                        underlying: tokens[index], cToken: lendingCustody(index),
                        underlyingDecimals: asset.decimals,
                        collateralFactor: UInt256(asset.liquidationThresholdBps) * basis,
                        reserveFactor: UInt256(asset.reserveFactorBps) * basis,
                        initialExchangeRate: initialRate, interestRateModel: .fixed(.zero),
                        oracleAsset: index),
                    atBlock: 0)
            }
            reader = LendingPoolReader(
                kind: settings.kind, pool: state.addCompoundComptroller(comptroller))
            for index in settings.assets.indices {
                try perform(
                    &state,
                    .compound(
                        comptroller: reader.pool,
                        .oracle(
                            .postPrice(
                                asset: index, reportedPrice: prices[index],
                                anchorPrice: prices[index]))), lendingTransmitter, at: 0)
            }
        }
        let firstAccount = firstBorrower + UInt32(configuration.borrowers.count)
        let positions = lendingPositions(settings, seed: configuration.seed, prices: prices)
        try supplyCash(&state, settings, reader: reader, tokens: tokens, positions: positions)
        for (offset, position) in positions.enumerated() {
            try open(
                position, account: Address(firstAccount + UInt32(offset)), &state,
                reader: reader, tokens: tokens, prices: prices, settings: settings)
        }
        for (index, keeper) in settings.keepers.enumerated() {
            precondition(keeper.address == lendingKeeper(index), "lending keeper addresses")
            state.ledger.mint(
                configuration.chain.nativeToken, to: keeper.address,
                amount: UInt128(keeper.ethBalance) * .weiPerEther)
            for (asset, amount) in keeper.capital.enumerated() where !amount.isZero {
                state.ledger.mint(tokens[asset], to: keeper.address, amount: amount.toUInt128())
            }
        }
        for (index, exploiter) in settings.exploiters.enumerated() {
            precondition(exploiter.address == lendingExploiter(index), "exploiter addresses")
            state.ledger.mint(
                configuration.chain.nativeToken, to: exploiter.address,
                amount: UInt128(exploiter.ethBalance) * .weiPerEther)
            if !exploiter.inventory.isZero {
                state.ledger.mint(
                    tokens[exploiter.collateral], to: exploiter.address,
                    amount: exploiter.inventory.toUInt128())
            }
        }
        state.ledger.mint(
            configuration.chain.nativeToken, to: lendingTransmitter,
            amount: genesisAccountEth * .weiPerEther)
        var genesis = LendingGenesis(
            reader: reader, tokens: tokens, aggregators: aggregators, firstAccount: firstAccount,
            accountCount: positions.count)
        if let pair = settings.pair {
            (genesis.pair, genesis.twap) = try addLendingPair(
                &state, pair, settings: settings, reader: reader, tokens: tokens, prices: prices,
                nativeToken: configuration.chain.nativeToken)
        }
        for (index, attacker) in settings.flashAttackers.enumerated() {
            precondition(attacker.address == flashAttacker(index), "flash attacker addresses")
            state.ledger.mint(
                configuration.chain.nativeToken, to: attacker.address,
                amount: UInt128(attacker.ethBalance) * .weiPerEther)
        }
        return genesis
    }

    /// The lending pair at genesis, after every position is open (their borrows were
    /// checked at the feeds' prices): the liquidity provider deposits both reserves at
    /// timestamp 2, the TWAP oracle (a TWAP source) starts its window there, the pool
    /// prices the asset from the pair from then on, and the arbitrageur and poker get their
    /// inventory and gas. Returns the pair's and the oracle's indices.
    static func addLendingPair(
        _ state: inout ProtocolState, _ pair: LendingPairSettings, settings: LendingSettings,
        reader: LendingPoolReader, tokens: [TokenID], prices: [UInt256], nativeToken: TokenID
    ) throws(GenesisError) -> (pair: Int, twap: Int?) {
        let (token, quote) = (tokens[pair.asset], tokens[pair.quote])
        let index = state.addPair(token, quote, address: lendingPair)
        state.ledger.mint(token, to: liquidityProvider, amount: pair.assetReserve.toUInt128())
        state.ledger.mint(quote, to: liquidityProvider, amount: pair.quoteReserve.toUInt128())
        let tokenFirst = state.pair(index).token0 == token
        try perform(
            &state,
            .addLiquidity(
                pair: index, amount0: tokenFirst ? pair.assetReserve : pair.quoteReserve,
                amount1: tokenFirst ? pair.quoteReserve : pair.assetReserve,
                to: liquidityProvider), liquidityProvider, at: 2)
        var twap: Int?
        let source: DexPriceFeed.Source?
        switch pair.priceSource {
        case .oracle:
            source = nil
        case .spot:
            source = .spot
        case .twap(let window):
            do {
                twap = try state.addTWAP(address: lendingTWAP, pair: index, periodSeconds: window)
            } catch {
                throw GenesisError("the TWAP over the lending pair refused its setup: \(error)")
            }
            source = twap.map { .twap($0) }
        }
        if let source, case .aave = reader.kind {
            state.addDexPriceFeed(
                DexPriceFeed(
                    pool: reader.pool, asset: pair.asset, pair: index, quote: quote,
                    quoteUnit: settings.assets[pair.quote].unit,
                    quotePrice: max(prices[pair.quote] / UInt256.powerOfTen(10), .one),
                    source: source))
        }
        if let arbitrageur = pair.arbitrageur {
            state.ledger.mint(
                nativeToken, to: arbitrageur.address,
                amount: UInt128(arbitrageur.ethBalance) * .weiPerEther)
            for (asset, units) in [
                (pair.asset, arbitrageur.collateralCapital), (pair.quote, arbitrageur.daiCapital),
            ] where units > 0 {
                state.ledger.mint(
                    tokens[asset], to: arbitrageur.address,
                    amount: (UInt256(units) * settings.assets[asset].unit).toUInt128())
            }
        }
        if let poker = pair.poker {
            state.ledger.mint(
                nativeToken, to: poker.address, amount: genesisAccountEth * .weiPerEther)
        }
        return (index, twap)
    }

    /// One position to open at genesis: base units supplied and borrowed.
    struct LendingPosition {
        var pair: LendingPair
        var collateral: UInt256
        var debt: UInt256
        /// A recursive farmer's support asset and the base units it supplies of it.
        var support: (asset: Int, amount: UInt256)?
        /// A named account may hold more debt than the LTV allows at the genesis price.
        var named: Bool
    }

    /// The named accounts, then `population.count` drawn positions.
    static func lendingPositions(
        _ settings: LendingSettings, seed: UInt64, prices: [UInt256]
    ) -> [LendingPosition] {
        var positions = settings.accounts.map { account in
            LendingPosition(
                pair: LendingPair(collateral: account.collateral, debt: account.debt),
                collateral: account.collateralAmount, debt: account.debtAmount,
                support: account.support.map { ($0, account.supportAmount) }, named: true)
        }
        for (group, population) in ([settings.population] + settings.additionalPopulations)
            .enumerated()
        {
            let stream = group == 0 ? "lending-borrowers" : "lending-borrowers-\(group + 1)"
            var random = RandomStream(seed: seed, name: stream)
            positions += drawnPositions(settings, population, random: &random, prices: prices)
        }
        return positions
    }

    /// `population.count` positions drawn from `random` (`LendingPopulationSettings`).
    static func drawnPositions(
        _ settings: LendingSettings, _ population: LendingPopulationSettings,
        random: inout RandomStream, prices: [UInt256]
    ) -> [LendingPosition] {
        var positions: [LendingPosition] = []
        for index in 0..<population.count {
            let kind = index % population.pairs.count
            let pair = population.pairs[kind]
            let size =
                population.sizeMedian * ChainMath.exp(population.sizeSigma * random.normal())
            let health = random.uniform(population.healthMinimum, population.healthMaximum)
            if population.supports.indices.contains(kind), let support = population.supports[kind] {
                if let farmer = farmerPosition(
                    settings, pair: pair, support: support, stakeUSD: size, health: health,
                    prices: prices)
                {
                    positions.append(farmer)
                }
                continue
            }
            let collateral = settings.assets[pair.collateral]
            let debt = settings.assets[pair.debt]
            let collateralPrice = prices[pair.collateral].approximateValue / 1e18
            let debtPrice = prices[pair.debt].approximateValue / 1e18
            let threshold = Double(collateral.liquidationThresholdBps) / 10_000
            let collateralUnits = size / collateralPrice
            let debtUnits = size * threshold / health / debtPrice
            guard
                let supplied = UInt256(
                    truncating: collateralUnits * collateral.unit.approximateValue),
                let borrowed = UInt256(truncating: debtUnits * debt.unit.approximateValue),
                !supplied.isZero, !borrowed.isZero
            else { continue }
            positions.append(
                LendingPosition(
                    pair: pair, collateral: supplied, debt: borrowed, support: nil, named: false))
        }
        return positions
    }

    /// A drawn recursive farmer (`LendingPopulationSettings`): a stake of `stakeUSD` in
    /// `support`, and `B = f_s·X / (h − f)` of the pair's asset both supplied and
    /// borrowed; nil if a side rounds to nothing.
    static func farmerPosition(
        _ settings: LendingSettings, pair: LendingPair, support: Int, stakeUSD: Double,
        health: Double, prices: [UInt256]
    ) -> LendingPosition? {
        let asset = settings.assets[pair.debt]
        let stake = settings.assets[support]
        let factor = Double(asset.liquidationThresholdBps) / 10_000
        let supportFactor = Double(stake.liquidationThresholdBps) / 10_000
        guard health > factor else { return nil }
        let loopedUSD = supportFactor * stakeUSD / (health - factor)
        let assetPrice = prices[pair.debt].approximateValue / 1e18
        let stakePrice = prices[support].approximateValue / 1e18
        guard
            let looped = UInt256(
                truncating: loopedUSD / assetPrice * asset.unit.approximateValue),
            let staked = UInt256(
                truncating: stakeUSD / stakePrice * stake.unit.approximateValue),
            !looped.isZero, !staked.isZero
        else { return nil }
        return LendingPosition(
            pair: pair, collateral: looped, debt: looped, support: (support, staked),
            named: false)
    }

    /// Suppliers' cash: each asset's `liquidity` plus everything the positions borrow of
    /// it, supplied by the liquidity provider.
    static func supplyCash(
        _ state: inout ProtocolState, _ settings: LendingSettings, reader: LendingPoolReader,
        tokens: [TokenID], positions: [LendingPosition]
    ) throws(GenesisError) {
        var cash = settings.assets.map(\.liquidity)
        for position in positions { cash[position.pair.debt] += position.debt }
        for (asset, amount) in cash.enumerated() where !amount.isZero {
            state.ledger.mint(tokens[asset], to: liquidityProvider, amount: amount.toUInt128())
            try perform(
                &state, supplyCall(reader, asset: asset, amount: amount), liquidityProvider, at: 1)
        }
    }

    static func supplyCall(_ reader: LendingPoolReader, asset: Int, amount: UInt256)
        -> ProtocolState.Call
    {
        switch reader.kind {
        case .aave: .aave(pool: reader.pool, .supply(asset: asset, amount: amount))
        case .compound: .compound(comptroller: reader.pool, .mint(market: asset, amount: amount))
        }
    }

    /// Opens one position: supplies the collateral and borrows. A named account whose debt
    /// is above what the LTV allows at the genesis price borrows while the debt asset's
    /// price is set, for that one call, to where it would have been allowed (the position
    /// was opened when the debt was cheaper), then the genesis price is restored.
    static func open(
        _ position: LendingPosition, account: Address, _ state: inout ProtocolState,
        reader: LendingPoolReader, tokens: [TokenID], prices: [UInt256],
        settings: LendingSettings
    ) throws(GenesisError) {
        let pair = position.pair
        if let support = position.support {
            state.ledger.mint(
                tokens[support.asset], to: account, amount: support.amount.toUInt128())
            try perform(
                &state, supplyCall(reader, asset: support.asset, amount: support.amount),
                account, at: 2)
            if case .compound = reader.kind {
                try perform(
                    &state, .compound(comptroller: reader.pool, .enterMarkets([support.asset])),
                    account, at: 2)
            }
        }
        state.ledger.mint(
            tokens[pair.collateral], to: account, amount: position.collateral.toUInt128())
        try perform(
            &state, supplyCall(reader, asset: pair.collateral, amount: position.collateral),
            account, at: 2)
        let borrow: ProtocolState.Call
        switch reader.kind {
        case .aave:
            borrow = .aave(pool: reader.pool, .borrow(asset: pair.debt, amount: position.debt))
        case .compound:
            try perform(
                &state, .compound(comptroller: reader.pool, .enterMarkets([pair.collateral])),
                account, at: 2)
            borrow = .compound(
                comptroller: reader.pool, .borrow(market: pair.debt, amount: position.debt))
        }
        // Drawn borrowers are within the LTV by validation; only a named account is tried
        // first (a failed call leaves the state as it was).
        var events: [ProtocolState.Event] = []
        let block = BlockContext(number: 0, timestamp: 2)
        guard position.named else {
            try perform(&state, borrow, account, at: 2)
            return
        }
        if (try? state.apply(borrow, caller: account, block: block, events: &events)) != nil {
            return
        }
        let asset = settings.assets[pair.collateral]
        let limit = Double(max(asset.ltvBps, 1)) / 10_000 * 0.999
        let collateralValue =
            position.collateral.approximateValue / asset.unit.approximateValue
            * prices[pair.collateral].approximateValue
        let debtUnits =
            position.debt.approximateValue
            / settings.assets[pair.debt].unit
            .approximateValue
        guard let setup = UInt256(truncating: collateralValue * limit / debtUnits) else {
            throw GenesisError("no price of the debt opens account \(account)")
        }
        try setPrice(&state, reader: reader, asset: pair.debt, wad: min(setup, prices[pair.debt]))
        try perform(&state, borrow, account, at: 2)
        try setPrice(&state, reader: reader, asset: pair.debt, wad: prices[pair.debt])
    }

    static func setPrice(
        _ state: inout ProtocolState, reader: LendingPoolReader, asset: Int, wad: UInt256
    ) throws(GenesisError) {
        let call: ProtocolState.Call
        switch reader.kind {
        case .aave:
            call = .aave(
                pool: reader.pool,
                .setAssetPrice(asset: asset, price: max(wad / UInt256.powerOfTen(10), .one)))
        case .compound:
            call = .compound(
                comptroller: reader.pool,
                .oracle(.postPrice(asset: asset, reportedPrice: wad, anchorPrice: wad)))
        }
        try perform(&state, call, lendingTransmitter, at: 2)
    }

    /// The lending agents: the oracle node and its operators, then the keepers.
    static func lendingAgents(
        _ settings: LendingSettings, genesis: LendingGenesis, state: ProtocolState,
        kernel: Kernel<ProtocolMessage>, view: MarketView, venueBase: Int, producer: AgentID,
        baseFee: Wei, subscribers: inout [AgentID], samplers: LatencySamplers? = nil
    ) -> LendingWorld {
        var node = settings.transmitter
        node.name = "lending-oracle"
        node.address = lendingTransmitter
        let transmitter = LendingFeedTransmitter(
            settings: node, reader: genesis.reader, venueBase: venueBase, assets: settings.assets,
            aggregators: genesis.aggregators, genesis: state, market: view.market,
            producer: producer, initialBaseFee: baseFee,
            pairPriced: settings.pair.flatMap { $0.priceSource == .oracle ? nil : $0.asset },
            samplers: samplers)
        let transmitterID = kernel.add(transmitter)
        var operators: [FeedOperator] = []
        for (index, asset) in settings.assets.enumerated() {
            for reporter in 0..<asset.operators {
                var operatorSettings = asset.operatorTemplate
                operatorSettings.name = "feed-\(asset.symbol)-\(reporter)"
                operatorSettings.feed = venueBase + index
                let agent = FeedOperator(
                    settings: operatorSettings, reporterIndex: reporter,
                    transmitter: transmitterID, view: view, samplers: samplers)
                operators.append(agent)
                subscribers.append(kernel.add(agent))
            }
        }
        let book = LendingBook(
            reader: genesis.reader, state: state, firstAccount: genesis.firstAccount,
            accountCount: genesis.accountCount)
        // One book for every liquidator, and the per-block queries and verdicts they share.
        let shared = LendingSharedBook(
            book: book,
            queries: LendingSharedQueries(reader: genesis.reader, assetCount: book.assetCount))
        var keepers: [LendingKeeper] = []
        for keeperSettings in settings.keepers {
            let keeper = LendingKeeper(
                settings: keeperSettings, reader: genesis.reader, venueBase: venueBase,
                positions: LendingBookView(shared), view: view, producer: producer,
                initialBaseFee: baseFee, samplers: samplers)
            keepers.append(keeper)
            subscribers.append(kernel.add(keeper))
        }
        var exploiters: [LendingExploiter] = []
        for exploiterSettings in settings.exploiters {
            let exploiter = LendingExploiter(
                settings: exploiterSettings, reader: genesis.reader, venueBase: venueBase,
                view: view, producer: producer, initialBaseFee: baseFee, samplers: samplers)
            exploiters.append(exploiter)
            subscribers.append(kernel.add(exploiter))
        }
        let pairAgents = lendingPairAgents(
            settings, genesis: genesis, state: state, kernel: kernel, view: view,
            venueBase: venueBase, producer: producer, baseFee: baseFee,
            subscribers: &subscribers, samplers: samplers)
        return LendingWorld(
            reader: genesis.reader, transmitter: transmitter, operators: operators,
            keepers: keepers, exploiters: exploiters, pairArbitrageur: pairAgents.arbitrageur,
            twapPoker: pairAgents.poker, flashAttackers: pairAgents.attackers, pair: genesis.pair,
            twap: genesis.twap, firstAccount: genesis.firstAccount,
            accountCount: genesis.accountCount, venueBase: venueBase, tokens: genesis.tokens,
            accountNames: settings.accounts.map(\.name))
    }
}

extension ProtocolWorld {
    /// The pair's agents: its arbitrageur (quoting the asset's reference in the quote's),
    /// the TWAP poker and the flash-loan attackers, each subscribed to blocks and venues.
    static func lendingPairAgents(
        _ settings: LendingSettings, genesis: LendingGenesis, state: ProtocolState,
        kernel: Kernel<ProtocolMessage>, view: MarketView, venueBase: Int, producer: AgentID,
        baseFee: Wei, subscribers: inout [AgentID], samplers: LatencySamplers? = nil
    ) -> (arbitrageur: Arbitrageur?, poker: OSMPoker?, attackers: [FlashLoanAttacker]) {
        guard let pairSettings = settings.pair, let pair = genesis.pair else {
            return (nil, nil, [])
        }
        var arbitrageur: Arbitrageur?
        if let arbitrageurSettings = pairSettings.arbitrageur {
            let (asset, quote) = (
                settings.assets[pairSettings.asset], settings.assets[pairSettings.quote]
            )
            let target = ArbitrageTarget(
                pair: pair, token: genesis.tokens[pairSettings.asset],
                quote: genesis.tokens[pairSettings.quote],
                reference: venueBase + pairSettings.asset,
                quoteReference: venueBase + pairSettings.quote,
                baseUnits: quote.unit.approximateValue / asset.unit.approximateValue)
            let agent = Arbitrageur(
                settings: arbitrageurSettings, target: target, view: view, producer: producer,
                samplers: samplers)
            subscribers.append(kernel.add(agent))
            arbitrageur = agent
        }
        var poker: OSMPoker?
        if let pokerSettings = pairSettings.poker, let twap = genesis.twap {
            let agent = OSMPoker(
                settings: pokerSettings, ilks: [], twaps: [twap], producer: producer,
                samplers: samplers)
            _ = kernel.add(agent)
            poker = agent
        }
        var attackers: [FlashLoanAttacker] = []
        for attackerSettings in settings.flashAttackers {
            let attacker = FlashLoanAttacker(
                settings: attackerSettings, reader: genesis.reader, pair: pair,
                asset: pairSettings.asset, quote: pairSettings.quote,
                quoteVenue: venueBase + pairSettings.quote, view: view, producer: producer,
                initialBaseFee: baseFee, samplers: samplers)
            attackers.append(attacker)
            subscribers.append(kernel.add(attacker))
        }
        return (arbitrageur, poker, attackers)
    }

    /// The market assets of the lending pool's assets, in order (none without a pool).
    static func lendingAssets(_ configuration: ProtocolWorldConfiguration, market: MarketPath)
        -> [AssetID]
    {
        (configuration.lending?.assets ?? []).map { asset in
            guard let id = market.asset(named: asset.asset) else {
                preconditionFailure("lending asset \(asset.symbol): no market asset \(asset.asset)")
            }
            return id
        }
    }
}
