import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A Maker-style protocol world wired into a kernel: the block producer over
/// `ProtocolState`, the off-chain venue, each collateral's feed (a transmitting node and
/// its operators), the OSM poker, the borrower population, the arbitrageurs and the
/// keepers — in that order of agent ids (the producer is 0, the venue 1) — then, with
/// `configuration.perps`, the perpetuals agents (`PerpAgents`; docs/model/perps-world.md).
/// A world without collaterals adds neither the OSM poker nor the borrower population.
///
/// ```swift
/// let world = try ProtocolWorld(configuration, observer: raceLedger)
/// let outcome = try world.run(until: .days(2))
/// print(world.kernel.digest, world.keepers.map(\.statistics))
/// ```
///
/// **Genesis** (`ProtocolWorld.genesis`): tokens ETH (native, gas), DAI, then one ERC-20
/// per collateral; Maker with one ilk per collateral (no stability fee); per collateral a
/// median aggregator that only its transmitter may write, an OSM, the GemJoin wiring and,
/// if asked, a Uniswap v2 pair against DAI. The feed's first report (the market price at
/// time 0) is written at timestamp 0; the OSM is brought current with two pokes at
/// timestamps 1 and 2 under a one-second hop, then set to its configured hop, so its
/// first real poke is due at `2 + hop` — as a live OSM whose value was queued just before
/// the world began. Vaults are opened at timestamp 2. ERC-20 DAI for keepers,
/// arbitrageurs and the pool is minted from outside the model (the Vat books it as
/// `sin` of address zero, as `joinDai` of outside DAI does).
public final class ProtocolWorld {
    public static let vow = Address(1)
    public static let cat = Address(2)
    public static let dog = Address(3)
    public static let governance = Address(4)
    public static let producerAddress = Address(5)
    public static let daiJoin = Address(6)
    public static let liquidityProvider = Address(7)
    public static let pokerAddress = Address(8)
    /// The governance agent (proposer of the world's schedule, executor of every proposal)
    /// and the risk controller.
    public static let governanceExecutor = Address(6_000)
    public static let riskControllerAddress = Address(6_001)
    public static let firstBorrower: UInt32 = 10_000

    /// The auction house, GemJoin, pair, median and OSM of collateral `index`.
    public static func auctionHouse(_ index: Int) -> Address { Address(UInt32(100 + 10 * index)) }
    public static func join(_ index: Int) -> Address { Address(UInt32(101 + 10 * index)) }
    public static func pairAddress(_ index: Int) -> Address { Address(UInt32(102 + 10 * index)) }
    public static func median(_ index: Int) -> Address { Address(UInt32(103 + 10 * index)) }
    public static func osm(_ index: Int) -> Address { Address(UInt32(104 + 10 * index)) }
    /// The feed transmitter of collateral `index`.
    public static func transmitter(_ index: Int) -> Address { Address(UInt32(200 + index)) }
    public static func arbitrageur(_ index: Int) -> Address { Address(UInt32(300 + index)) }
    /// A conventional keeper address (any address outside the ranges above will do).
    public static func keeper(_ index: Int) -> Address { Address(UInt32(500 + index)) }
    public static func borrower(_ index: Int) -> Address {
        Address(firstBorrower + UInt32(index))
    }

    /// An empty state that agents hold between blocks instead of the last one they saw.
    static let releasedState: ProtocolState = {
        var ledger = TokenLedger()
        let dai = ledger.addToken(symbol: "DAI")
        return ProtocolState(
            ledger: ledger,
            maker: MakerSystem(
                configuration: MakerSystem.Configuration(
                    vow: .zero, cat: .zero, dog: .zero, governance: .zero, globalLine: .zero)),
            dai: dai, daiJoin: .zero)
    }()

    public let configuration: ProtocolWorldConfiguration
    public let kernel: Kernel<ProtocolMessage>
    public let market: MarketPath
    public let genesis: ProtocolState
    /// One ilk per collateral, in configuration order.
    public let ilks: [MakerSystem.IlkID]
    /// Each collateral's pair index, or nil without a pool.
    public let pairs: [Int?]
    public let producer: ProtocolProducer
    public let venue: VenueAgent
    public let transmitters: [FeedTransmitter]
    public let operators: [FeedOperator]
    public let poker: OSMPoker
    public let borrowers: BorrowerPopulation
    public let arbitrageurs: [Arbitrageur]
    public let keepers: [Keeper]
    /// The lending pool's agents, when the world has one.
    public let lending: LendingWorld?
    /// The perpetuals agents, when the world has an exchange (`configuration.perps`).
    public let perps: PerpAgents?
    /// The governance agent and the risk controller, when the world has governance.
    public let governanceAgent: GovernanceAgent?
    public let riskController: RiskController?
    /// The options agents, when the world has an exchange (`configuration.options`).
    public let options: OptionsAgents?

    /// Builds the world; throws when the market configuration is invalid or the contracts
    /// refuse the genesis it describes.
    public init(
        _ configuration: ProtocolWorldConfiguration,
        observer: (any ProtocolBlockObserver)? = nil
    ) throws(ProtocolWorldError) {
        self.configuration = configuration
        let market: MarketPath
        do {
            market = try MarketPath(configuration: configuration.market, seed: configuration.seed)
        } catch {
            throw .market(error)
        }
        self.market = market
        let assets = configuration.collaterals.map { settings -> AssetID in
            guard let asset = market.asset(named: settings.asset) else {
                preconditionFailure(
                    "collateral \(settings.name): no market asset \(settings.asset)")
            }
            return asset
        }
        let lendingAssets = Self.lendingAssets(configuration, market: market)
        let built: Genesis
        do {
            built = try Self.genesis(configuration, market: market, assets: assets)
        } catch {
            throw .genesis(error)
        }
        genesis = built.state
        ilks = built.ilks
        pairs = built.pairs
        kernel = Kernel(seed: configuration.seed, limits: configuration.limits)

        var chain = configuration.chain
        chain.nativeToken = built.eth
        let sink = observer.map {
            ProtocolBlockRelay(market: market, assets: assets, ilks: built.ilks, observer: $0)
        }
        sink?.lending = built.lending.map {
            LendingPriceSource(reader: $0.reader, assets: lendingAssets, firstSlot: assets.count)
        }
        let perpAssets = built.perps?.assets ?? []
        sink?.perpAssets = perpAssets
        // The perpetuals agents' shared index hears each block before the relay does.
        let perpIndex = Self.perpSharedIndex(configuration.perps, genesis: built)
        var sinks: [any BlockSink<ProtocolState>] = []
        if let perpIndex { sinks.append(perpIndex) }
        let optionsIndex = built.options.map {
            OptionsSharedIndex(
                exchange: $0.exchange, state: built.state.optionsExchanges[$0.exchange])
        }
        if let optionsIndex { sinks.append(optionsIndex) }
        if let sink { sinks.append(sink) }
        var core = ChainProducer<ProtocolState, ProtocolExtension>(
            address: configuration.producerAddress,
            chain: Chain(configuration: chain, state: built.state),
            demand: configuration.demand,
            sink: sinks.count > 1 ? ProtocolBlockSinks(sinks) : sinks.first,
            checksInvariants: configuration.checksInvariants)
        core.reportsEvents = true
        producer = ProtocolProducer(name: configuration.producerName, core: core)
        let producerID = kernel.add(producer)
        let baseFee = chain.market.initialBaseFee

        let nativeAsset =
            configuration.nativeAsset.flatMap { market.asset(named: $0) } ?? assets.first
        // Venues and view assets: the collaterals', then a lending pool's assets, then the
        // perpetual markets' (`venueOffset`).
        let venues =
            configuration.collaterals.map(\.venue)
            + (configuration.lending?.assets.map(\.venue) ?? [])
            + (configuration.perps?.markets.map(\.venue) ?? [])
            + (configuration.perps?.spotVenues ?? [])
        // A perpetual market's spot venues (a median oracle's sources) follow the markets'
        // own venues, each priced off its market's asset.
        let spotAssets = zip(configuration.perps?.markets ?? [], perpAssets).flatMap {
            market, asset in Array(repeating: asset, count: market.spotVenues.count)
        }
        let viewAssets = assets + lendingAssets + perpAssets + spotAssets
        venue = VenueAgent(
            name: "venue", market: market, assets: viewAssets, venues: venues,
            quoteDelay: configuration.venueQuoteDelay)
        let venueID = kernel.add(venue)
        let view = MarketView(
            market: market, assets: viewAssets, venues: venues, venueAgent: venueID,
            nativeAsset: nativeAsset)

        // Agents with the same latency model share one sampler table (the lending and
        // perpetuals agents too).
        let samplers = LatencySamplers()
        var transmitters: [FeedTransmitter] = []
        var transmitterIDs: [AgentID] = []
        for (index, settings) in configuration.collaterals.enumerated() {
            var node = settings.transmitter
            node.name = "feed-\(settings.name)-transmitter"
            node.address = Self.transmitter(index)
            let transmitter = FeedTransmitter(
                settings: node, feed: index,
                aggregator: built.state.aggregators[built.medians[index]],
                aggregatorIndex: built.medians[index], reporters: settings.operators,
                producer: producerID, initialBaseFee: baseFee, samplers: samplers)
            transmitters.append(transmitter)
            transmitterIDs.append(kernel.add(transmitter))
        }
        self.transmitters = transmitters
        var operators: [FeedOperator] = []
        var subscribers: [AgentID] = []
        for (index, settings) in configuration.collaterals.enumerated() {
            for reporter in 0..<settings.operators {
                var operatorSettings = settings.operatorTemplate
                operatorSettings.name = "feed-\(settings.name)-\(reporter)"
                operatorSettings.feed = index
                let agent = FeedOperator(
                    settings: operatorSettings, reporterIndex: reporter,
                    transmitter: transmitterIDs[index], view: view, samplers: samplers)
                operators.append(agent)
                subscribers.append(kernel.add(agent))
            }
        }
        self.operators = operators
        poker = OSMPoker(
            settings: configuration.poker, ilks: built.ilks, producer: producerID,
            samplers: samplers)
        // A world without collaterals (perpetuals only) has no OSM to poke and no vault to
        // defend: neither agent is added, so neither costs an event a block.
        let hasCollaterals = !configuration.collaterals.isEmpty
        if hasCollaterals { _ = kernel.add(poker) }

        let population = configuration.borrowers.count
        // One vault book for the borrowers and every keeper, each reading it as of the
        // blocks it has seen.
        let book = MakerSharedBook(
            book: VaultBook(
                state: built.state, firstOwner: Self.firstBorrower, ownerCount: population))
        borrowers = BorrowerPopulation(
            name: "borrowers", settings: configuration.borrowers, vaults: built.vaults,
            ilks: built.ilks, genesis: built.state, book: book,
            view: view, producer: producerID, initialBaseFee: baseFee, samplers: samplers)
        if hasCollaterals { subscribers.append(kernel.add(borrowers)) }
        var arbitrageurs: [Arbitrageur] = []
        for settings in configuration.arbitrageurs {
            guard let pair = built.pairs[settings.collateral] else {
                preconditionFailure("arbitrageur \(settings.name): collateral has no pool")
            }
            guard let wiring = built.state.collateral(of: built.ilks[settings.collateral]) else {
                preconditionFailure("arbitrageur \(settings.name): collateral not wired")
            }
            let target = ArbitrageTarget(
                pair: pair, token: wiring.token, quote: built.state.daiToken,
                reference: settings.collateral, quoteReference: nil, baseUnits: 1)
            let agent = Arbitrageur(
                settings: settings, target: target, view: view, producer: producerID,
                samplers: samplers)
            arbitrageurs.append(agent)
            subscribers.append(kernel.add(agent))
        }
        self.arbitrageurs = arbitrageurs
        let quotes = MakerAuctionQuotes()
        let newsBook = KeeperNewsBook()
        var keepers: [Keeper] = []
        for settings in configuration.keepers {
            let keeper = Keeper(
                settings: settings, genesis: built.state, ilks: built.ilks, pairs: built.pairs,
                book: book, quotes: quotes, newsBook: newsBook, view: view, producer: producerID,
                initialBaseFee: baseFee,
                samplers: samplers)
            keepers.append(keeper)
            subscribers.append(kernel.add(keeper))
        }
        self.keepers = keepers
        if let settings = configuration.lending, let genesis = built.lending {
            lending = Self.lendingAgents(
                settings, genesis: genesis, state: built.state, kernel: kernel, view: view,
                venueBase: assets.count, producer: producerID, baseFee: baseFee,
                subscribers: &subscribers, samplers: samplers)
        } else {
            lending = nil
        }
        if let settings = configuration.perps, let genesis = built.perps {
            let added = Self.addPerpAgents(
                settings, genesis: genesis, state: built.state, sharedIndex: perpIndex,
                kernel: kernel, view: view,
                venueOffset: assets.count + lendingAssets.count, producer: producerID,
                initialBaseFee: baseFee, samplers: samplers)
            perps = added.agents
            subscribers += added.subscribers
        } else {
            perps = nil
        }
        if let settings = configuration.options, let genesis = built.options, let optionsIndex {
            options = Self.addOptionsAgents(
                settings, genesis: genesis, index: optionsIndex, kernel: kernel, market: market,
                producer: producerID, initialBaseFee: baseFee, samplers: samplers)
        } else {
            options = nil
        }
        // Governance comes last, so no other agent's id changes with it.
        if let settings = configuration.governance {
            let agent = GovernanceAgent(
                settings: settings, producer: producerID, initialBaseFee: baseFee,
                samplers: samplers)
            _ = kernel.add(agent)
            governanceAgent = agent
            if let rules = settings.riskController {
                let target: RiskTarget =
                    built.lending.map { .lending($0.reader) } ?? .perps(exchange: 0)
                let controller = RiskController(
                    settings: rules, target: target, producer: producerID,
                    initialBaseFee: baseFee, samplers: samplers)
                _ = kernel.add(controller)
                riskController = controller
            } else {
                riskController = nil
            }
        } else {
            governanceAgent = nil
            riskController = nil
        }
        venue.subscribers = subscribers
    }

    /// Runs to `deadline` (inclusive); `.stopped` means an invariant broke
    /// (`producer.core.invariantViolation`).
    public func run(until deadline: SimTime) throws(KernelError) -> RunOutcome {
        try kernel.run(until: deadline)
    }
}
