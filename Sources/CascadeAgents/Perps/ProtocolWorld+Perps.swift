import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

extension ProtocolWorld {
    /// Where the exchange holds its USDC.
    public static let perpCustody = Address(2_000)
    /// The exchange's oracle (marks, funding, volatility).
    public static let perpOracle = Address(2_001)
    /// The venue's matching engine: it sends the traders' fills.
    public static let perpMatcher = Address(2_002)
    /// Owner of account 0, the backstop vault.
    public static let perpBackstopVaultOwner = Address(2_003)
    /// The market maker on the other side of every trader's position.
    public static let perpMarketMaker = Address(2_004)
    /// The agent that calls `backstop` and `deleverage`.
    public static let perpBackstopCaller = Address(2_005)
    /// The pump-and-borrow attacker (owner of both its accounts).
    public static let perpAttacker = Address(2_006)
    /// Owner of the passive depositors' account.
    public static let perpDepositors = Address(2_007)
    /// Liquidator `index`'s address.
    public static func perpLiquidator(_ index: Int) -> Address {
        Address(UInt32(3_000 + index))
    }
    /// The first trader's address; trader `i` (drawn, then named) is `firstPerpTrader + i`.
    public static let firstPerpTrader: UInt32 = 5_000_000
    public static func perpTrader(_ index: Int) -> Address {
        Address(firstPerpTrader + UInt32(index))
    }

    /// The perpetuals part of the genesis state, and what the agents need to know of it.
    public struct PerpGenesis: Sendable {
        /// The exchange's index in `ProtocolState.perpExchanges`.
        public var exchange: Int
        public var usdc: TokenID
        /// Each market's asset in the world's `MarketPath`, by market index.
        public var assets: [AssetID]
        public var marketMaker: PerpAccountID
        public var liquidators: [PerpAccountID]
        /// Every trader that opened a position, drawn first, then named, in order.
        public var traders: [PerpTraderAccount]
        /// Traders whose genesis trade the exchange refused (open-interest cap, the market
        /// maker's margin): their deposit stays in an account without a position.
        public var skippedTraders: Int
        /// Open interest at genesis, USDC notional at the genesis marks (one side).
        public var openInterest: Int128
        /// The attacker's long and short accounts, when the world has an attacker.
        public var attackerLong: PerpAccountID?
        public var attackerShort: PerpAccountID?
    }

    /// One trader's account.
    public struct PerpTraderAccount: Hashable, Sendable {
        public var owner: Address
        public var account: PerpAccountID
        /// Its first market: the one its later trades act on.
        public var market: PerpMarketID
        /// Every market it opened a position in at genesis, the first one first.
        public var markets: [PerpMarketID]
        /// The name, for named accounts.
        public var name: String?
    }

    /// A trader as drawn.
    struct PerpTraderDraw {
        /// Its markets, the round-robin one first; the notional is split equally between
        /// them.
        var markets: [Int]
        var long: Bool
        var notional: Double
        var leverage: Double
        var cross: Bool
        var name: String?
    }

    /// Builds the exchange into `state` (its USDC token, markets, genesis marks, insurance
    /// fund, market maker, liquidators and traders), timestamps 0 to 2 like the rest of
    /// genesis. Traps on a refused setup call other than a trader's own trade: world files
    /// are validated before they get here.
    static func perpGenesis(
        _ state: inout ProtocolState, settings: PerpWorldSettings, market: MarketPath,
        seed: UInt64, eth: TokenID
    ) throws(GenesisError) -> PerpGenesis {
        let usdc = state.ledger.addToken(symbol: "USDC")
        var exchange = PerpExchange(
            configuration: PerpExchange.Configuration(
                oracle: perpOracle, matcher: perpMatcher, backstopVault: perpBackstopVaultOwner,
                backstopThresholdPpm: settings.backstopThresholdPpm,
                deleveragingPrice: settings.deleveragingPrice,
                spreadToMaintenanceMarginRatioPpm: settings.spreadToMaintenanceMarginRatioPpm,
                bankruptcyAdjustmentPpm: settings.bankruptcyAdjustmentPpm,
                unrealisedProfitBacksWithdrawals: settings.unrealisedProfitBacksWithdrawals))
        var assets: [AssetID] = []
        for entry in settings.markets {
            guard let asset = market.asset(named: entry.asset) else {
                preconditionFailure("perp market \(entry.terms.name): no asset \(entry.asset)")
            }
            assets.append(asset)
            _ = exchange.addMarket(entry.terms, at: 0)
        }
        let index = state.addPerpExchange(
            exchange, wiring: PerpWiring(quote: usdc, custody: perpCustody))
        func run(_ call: PerpExchange.Call, _ caller: Address) throws(GenesisError) {
            try perform(&state, .perp(exchange: index, call), caller, at: 2)
        }
        func tryRun(_ call: PerpExchange.Call, _ caller: Address) -> Bool {
            var events: [ProtocolState.Event] = []
            do {
                try state.apply(
                    .perp(exchange: index, call), caller: caller,
                    block: BlockContext(number: 0, timestamp: 2), events: &events)
                return true
            } catch {
                return false
            }
        }
        // Deposits are paid in from outside the model (minted to governance, which deposits
        // into the account: anyone may): owners never hold USDC in the ledger, whose
        // balances are dense by address, so trader addresses far up cost nothing there.
        func openAccount(_ owner: Address, _ mode: PerpMarginMode, deposit: Int128)
            throws(GenesisError) -> PerpAccountID
        {
            try run(.openAccount(mode: mode), owner)
            let account = PerpAccountID(UInt32(state.perpExchanges[index].accountCount - 1))
            if deposit > 0 {
                state.ledger.mint(usdc, to: governance, amount: UInt128(deposit))
                try run(.deposit(account: account, amount: deposit), governance)
            }
            return account
        }
        var marks: [Int128] = []
        for (slot, asset) in assets.enumerated() {
            let mark = quantums(market.price(of: asset, at: .zero))
            marks.append(mark)
            try run(
                .updatePrice(market: PerpMarketID(rawValue: UInt16(slot)), price: mark), perpOracle)
        }
        if settings.insuranceFund > 0 {
            state.ledger.mint(usdc, to: governance, amount: UInt128(settings.insuranceFund))
            try run(.fundInsurance(amount: settings.insuranceFund), governance)
        }
        let ether = UInt128.weiPerEther
        for address in [perpOracle, perpMatcher, perpBackstopCaller, perpBackstopVaultOwner] {
            state.ledger.mint(eth, to: address, amount: genesisAccountEth * ether)
        }
        let marketMaker = try openAccount(
            perpMarketMaker, .cross, deposit: settings.marketMakerCapital)
        var liquidators: [PerpAccountID] = []
        for liquidator in settings.liquidators {
            state.ledger.mint(
                eth, to: liquidator.address, amount: UInt128(liquidator.ethBalance) * ether)
            liquidators.append(
                try openAccount(liquidator.address, .cross, deposit: liquidator.capital))
        }
        var traders: [PerpTraderAccount] = []
        var skipped = 0
        let draws = drawTraders(settings, seed: seed)
        for (number, draw) in draws.enumerated() {
            let owner = perpTrader(number)
            let first = PerpMarketID(rawValue: UInt16(draw.markets[0]))
            let legNotional = draw.notional / Double(draw.markets.count)
            // A quantum per position: each requirement rounds up.
            let margin = quantums(draw.notional / draw.leverage) + Int128(draw.markets.count)
            let sizes = draw.markets.map { slot in
                Int128.approximating(legNotional / marks[slot].approximateValue * 1e15, .down)
            }
            guard sizes.allSatisfy({ $0 > 0 }), margin > 0 else {
                skipped += 1
                continue
            }
            let account = try openAccount(
                owner, draw.cross ? .cross : .isolated(first), deposit: margin)
            var opened: [PerpMarketID] = []
            for (slot, size) in zip(draw.markets, sizes) {
                let marketID = PerpMarketID(rawValue: UInt16(slot))
                let traded = tryRun(
                    .trade(
                        market: marketID, buyer: draw.long ? account : marketMaker,
                        seller: draw.long ? marketMaker : account, size: size,
                        price: marks[slot]),
                    perpMatcher)
                if traded { opened.append(marketID) }
            }
            if let market = opened.first {
                traders.append(
                    PerpTraderAccount(
                        owner: owner, account: account, market: market, markets: opened,
                        name: draw.name))
            } else {
                skipped += 1
            }
        }
        if settings.depositorsCapital > 0 {
            _ = try openAccount(perpDepositors, .cross, deposit: settings.depositorsCapital)
        }
        var attackerAccounts: (long: PerpAccountID, short: PerpAccountID)?
        if let attacker = settings.attacker {
            state.ledger.mint(eth, to: perpAttacker, amount: genesisAccountEth * ether)
            attackerAccounts = (
                try openAccount(perpAttacker, .cross, deposit: attacker.depositEach),
                try openAccount(perpAttacker, .cross, deposit: attacker.depositEach)
            )
        }
        var openInterest: Int128 = 0
        let books = state.perpExchanges[index]
        for id in books.marketIDs {
            openInterest += (books.market(id).openInterest * books.market(id).price) / 1_000_000_000
        }
        return PerpGenesis(
            exchange: index, usdc: usdc, assets: assets, marketMaker: marketMaker,
            liquidators: liquidators, traders: traders, skippedTraders: skipped,
            openInterest: openInterest, attackerLong: attackerAccounts?.long,
            attackerShort: attackerAccounts?.short)
    }

    /// A price or amount in quantums (1e-6), rounded to the nearest.
    static func quantums(_ value: Double) -> Int128 {
        guard value.isFinite, value > 0, value < 1e30 else { return 0 }
        return Int128.approximating(value * 1e6, .toNearestOrAwayFromZero)
    }

    /// The most leverage an account holding equal notionals in `markets` may open at: one
    /// over the mean of their initial margin fractions (the exchange's own check at
    /// genesis, where every position opens at the mark), less one part in a million — a
    /// short's value and its requirement each round against it by a quantum, so an account
    /// exactly at the limit would be refused.
    static func maximumLeverage(_ settings: PerpWorldSettings, markets: [Int]) -> Double {
        let fractions = markets.map {
            Double(settings.markets[$0].terms.initialMarginPpm) / Double(PerpMath.ppm)
        }
        let mean = fractions.reduce(0, +) / Double(fractions.count)
        return mean > 0 ? 0.999_999 / mean : .infinity
    }

    /// The population drawn from the stream `perp-traders`, then the named accounts.
    static func drawTraders(_ settings: PerpWorldSettings, seed: UInt64) -> [PerpTraderDraw] {
        let population = settings.traders
        var random = RandomStream(seed: seed, name: "perp-traders")
        var draws: [PerpTraderDraw] = []
        draws.reserveCapacity(population.count + settings.namedAccounts.count)
        let perAccount = min(population.marketsPerAccount, settings.markets.count)
        for number in 0..<population.count {
            let long = random.uniform() < population.longShare
            let notional =
                population.notionalMedian
                * ChainMath.exp(population.notionalSigma * random.normal())
            var leverage = random.uniform(population.leverageMinimum, population.leverageMaximum)
            let cross = random.uniform() < population.crossShare
            var markets = [number % settings.markets.count]
            if cross && perAccount > 1 {
                // The others uniformly without replacement, from the stream after the
                // trader's own draws (so one market per account draws exactly as before).
                var rest = (0..<settings.markets.count).filter { $0 != markets[0] }
                for _ in 1..<perAccount {
                    let pick = Int(random.uniformInt(below: UInt64(rest.count)))
                    markets.append(rest.remove(at: pick))
                }
            }
            leverage = min(leverage, maximumLeverage(settings, markets: markets))
            draws.append(
                PerpTraderDraw(
                    markets: markets, long: long, notional: notional, leverage: leverage,
                    cross: cross, name: nil))
        }
        if let total = population.notionalTotal, !draws.isEmpty {
            let drawn = draws.reduce(0.0) { $0 + $1.notional }
            let scale = total / drawn
            for index in draws.indices { draws[index].notional *= scale }
        }
        for named in settings.namedAccounts {
            draws.append(
                PerpTraderDraw(
                    markets: [named.market], long: named.long, notional: named.notional,
                    leverage: named.leverage, cross: named.cross, name: named.name))
        }
        return draws
    }
}

/// The perpetuals agents of a protocol world, in the order they were added to the kernel
/// (after the keepers): the oracle, the traders, the liquidators, the backstop agent.
public struct PerpAgents {
    public let genesis: ProtocolWorld.PerpGenesis
    public let oracle: PerpOracle
    public let traders: PerpTraders
    public let liquidators: [PerpLiquidator]
    public let backstop: PerpBackstopAgent?
    /// The pump-and-borrow attacker, when the world has one.
    public let attacker: PumpAttacker?
}

extension ProtocolWorld {
    /// Creates the perpetuals agents and adds them to `kernel`; returns them and the ids of
    /// those that follow the venues' books.
    static func addPerpAgents(
        _ settings: PerpWorldSettings, genesis: PerpGenesis, state: ProtocolState,
        sharedIndex: PerpSharedIndex?, kernel: Kernel<ProtocolMessage>, view: MarketView,
        venueOffset: Int, producer: AgentID,
        initialBaseFee: Wei, samplers: LatencySamplers? = nil
    ) -> (agents: PerpAgents, subscribers: [AgentID]) {
        let books = state.perpExchanges[genesis.exchange]
        let marks = books.marketIDs.map { books.market($0).price }
        var subscribers: [AgentID] = []
        let oracle = PerpOracle(
            settings: settings.oracle, exchange: genesis.exchange,
            terms: settings.markets.map(\.terms), venueOffset: venueOffset, genesisMarks: marks,
            view: view, producer: producer, initialBaseFee: initialBaseFee,
            spotSlots: settings.spotVenueSlots(venueOffset: venueOffset), samplers: samplers)
        subscribers.append(kernel.add(oracle))
        let traders = PerpTraders(
            settings: settings.traders, exchange: genesis.exchange, traders: genesis.traders,
            marketMaker: genesis.marketMaker, venueOffset: venueOffset, view: view,
            producer: producer, initialBaseFee: initialBaseFee, samplers: samplers)
        subscribers.append(kernel.add(traders))
        // One index for the liquidators and the backstop agent, fed by the producer
        // (`perpSharedIndex` makes one whenever the world has any of them).
        let index = sharedIndex ?? PerpSharedIndex(exchange: genesis.exchange, state: books)
        precondition(
            sharedIndex != nil || (settings.liquidators.isEmpty && settings.backstop == nil),
            "perps: liquidators without the producer's shared index")
        var liquidators: [PerpLiquidator] = []
        for (number, liquidatorSettings) in settings.liquidators.enumerated() {
            let liquidator = PerpLiquidator(
                settings: liquidatorSettings, exchange: genesis.exchange,
                account: genesis.liquidators[number], shared: index, venueOffset: venueOffset,
                view: view, producer: producer, initialBaseFee: initialBaseFee,
                samplers: samplers)
            liquidators.append(liquidator)
            subscribers.append(kernel.add(liquidator))
        }
        let backstop = settings.backstop.map { backstopSettings in
            PerpBackstopAgent(
                settings: backstopSettings, exchange: genesis.exchange, shared: index,
                producer: producer, initialBaseFee: initialBaseFee, samplers: samplers)
        }
        if let backstop { _ = kernel.add(backstop) }
        var attacker: PumpAttacker?
        if let attackerSettings = settings.attacker, let long = genesis.attackerLong,
            let short = genesis.attackerShort
        {
            let agent = PumpAttacker(
                settings: attackerSettings, exchange: genesis.exchange, long: long,
                short: short,
                spotSlots: settings.spotVenueSlots(venueOffset: venueOffset)[
                    attackerSettings.market],
                view: view, producer: producer, initialBaseFee: initialBaseFee,
                samplers: samplers)
            subscribers.append(kernel.add(agent))
            attacker = agent
        }
        return (
            PerpAgents(
                genesis: genesis, oracle: oracle, traders: traders, liquidators: liquidators,
                backstop: backstop, attacker: attacker),
            subscribers
        )
    }
}

extension ProtocolWorld {
    /// The index the liquidators and the backstop agent share, when the world has any of
    /// them (the producer feeds it every block; see `PerpSharedIndex`).
    static func perpSharedIndex(_ settings: PerpWorldSettings?, genesis built: Genesis)
        -> PerpSharedIndex?
    {
        guard let settings, let perps = built.perps,
            !settings.liquidators.isEmpty || settings.backstop != nil
        else { return nil }
        return PerpSharedIndex(
            exchange: perps.exchange, state: built.state.perpExchanges[perps.exchange])
    }
}

extension PerpWorldSettings {
    /// Every market's spot venues, in market order: they follow the markets' own venues in
    /// the world's venue list.
    public var spotVenues: [OrderBookVenue] { markets.flatMap(\.spotVenues) }

    /// Per market, the view slots of its spot venues, given the slot of market 0's venue.
    func spotVenueSlots(venueOffset: Int) -> [[Int]] {
        var next = venueOffset + markets.count
        return markets.map { market in
            let slots = Array(next..<(next + market.spotVenues.count))
            next += market.spotVenues.count
            return slots
        }
    }
}
