import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// One collateral type of a protocol world: its Maker ilk, its market asset, its oracle
/// feed, its AMM pool and its off-chain venue.
public struct CollateralSettings: Hashable, Sendable {
    /// The ilk's name (`ETH-A`).
    public var name: String
    /// The ERC-20's symbol (`WETH`).
    public var symbol: String
    /// The market asset whose reference price this collateral has.
    public var asset: String
    /// Clipper or Flipper terms; the auction house's address is assigned by the world.
    public var liquidation: MakerSystem.Liquidation
    /// Liquidation ratio, percent (150).
    public var matPercent: UInt64
    /// Minimum vault debt, whole DAI.
    public var dust: UInt64
    /// The OSM's delay, seconds (3,600 on mainnet).
    public var hopSeconds: UInt16
    /// Collateral units in the AMM pool at genesis (priced at the genesis reference);
    /// 0 for no pool.
    public var poolCollateral: UInt64
    public var venue: OrderBookVenue
    /// The feed: its operators (Maker's median had 13) and the quorum a report needs.
    public var operators: Int
    public var quorum: Int
    /// Settings of every operator (name and feed are filled in per operator).
    public var operatorTemplate: FeedOperatorSettings
    /// The transmitting node (name and address are assigned by the world).
    public var transmitter: FeedTransmitterSettings

    public init(
        name: String = "ETH-A", symbol: String = "WETH", asset: String = "ETH",
        liquidation: MakerSystem.Liquidation, matPercent: UInt64 = 150, dust: UInt64 = 100,
        hopSeconds: UInt16 = 3_600, poolCollateral: UInt64 = 50_000,
        venue: OrderBookVenue = OrderBookVenue(
            depth: DepthCurve(depthAtReference: 5_000_000, referenceFraction: 0.01),
            recoveryHalfLife: .minutes(30)),
        operators: Int = 13, quorum: Int = 7,
        operatorTemplate: FeedOperatorSettings = FeedOperatorSettings(name: "", feed: 0),
        transmitter: FeedTransmitterSettings = FeedTransmitterSettings(
            name: "", address: .zero)
    ) {
        precondition(matPercent > 100, "a liquidation ratio above 100%")
        precondition(operators >= quorum && quorum >= 1, "quorum between 1 and the operators")
        precondition(venue.problem == nil, venue.problem ?? "")
        self.name = name
        self.symbol = symbol
        self.asset = asset
        self.liquidation = liquidation
        self.matPercent = matPercent
        self.dust = dust
        self.hopSeconds = hopSeconds
        self.poolCollateral = poolCollateral
        self.venue = venue
        self.operators = operators
        self.quorum = quorum
        self.operatorTemplate = operatorTemplate
        self.transmitter = transmitter
    }

    /// Liquidations 2.0 terms shaped like mainnet ETH-A's (buf 1.2, 1% cut every 90 s,
    /// tail 3 h, cusp 0.4, chip 0.1%, tip 100 DAI, chop 1.13).
    public static var clipperTerms: MakerSystem.Liquidation {
        let big = UInt256(1_000_000_000 as UInt64) * .rad
        return .clip(
            MakerSystem.ClipTerms(
                clipper: .zero, chop: UInt256(113 as UInt64) * .wad / UInt256(100 as UInt64),
                hole: big, buf: UInt256(12 as UInt64) * .ray / UInt256(10 as UInt64),
                tail: 10_800, cusp: UInt256(4 as UInt64) * .ray / UInt256(10 as UInt64),
                chip: .wad / UInt256(1_000 as UInt64), tip: UInt256(100 as UInt64) * .rad,
                calc: .stairstepExponentialDecrease(
                    stepSeconds: 90, cut: UInt256(99 as UInt64) * .ray / UInt256(100 as UInt64))))
    }

    /// Black Thursday's Cat v1 and Flipper terms (HISTORY.md §1): chop 13%, lump 50 ETH,
    /// beg 3%, ttl 600 s, tau 3 days.
    public static var flipperTerms: MakerSystem.Liquidation {
        .flip(
            MakerSystem.FlipTerms(
                flipper: .zero, chop: UInt256(113 as UInt64) * .wad / UInt256(100 as UInt64),
                dunk: UInt256(50_000 as UInt64) * .rad,
                beg: UInt256(103 as UInt64) * .wad / UInt256(100 as UInt64), ttl: 600,
                tau: 3 * 86_400, lump: UInt256(50 as UInt64) * .wad))
    }
}

/// Everything a protocol world needs, as plain values (no files): the chain and its
/// congestion, the market, the collaterals, and the agents. World-file reading (the
/// lead's) fills one of these; tests and the bench build them in code.
public struct ProtocolWorldConfiguration: Sendable {
    public var seed: UInt64
    /// The chain; its `nativeToken` is set by the world (ETH is token 0).
    public var chain: ChainConfiguration
    public var demand: BackgroundDemand?
    public var market: MarketConfiguration
    /// The market asset of the native token (gas is valued in it); nil: the first
    /// collateral's asset.
    public var nativeAsset: String?
    public var collaterals: [CollateralSettings]
    public var borrowers: BorrowerPopulationSettings
    public var keepers: [KeeperSettings]
    public var arbitrageurs: [ArbitrageurSettings]
    public var poker: OSMPokerSettings
    /// Delay before the venue's subscribers learn of a trade.
    public var venueQuoteDelay: SimTime
    public var producerName: String
    public var producerAddress: Address
    public var checksInvariants: Bool
    public var limits: KernelLimits
    /// A lending pool with its oracle node, accounts and keepers (nil: none).
    public var lending: LendingSettings?
    /// A perpetuals exchange on the world's chain, with its traders, liquidators, oracle
    /// and backstop agent (docs/model/perpetuals.md); nil for none.
    public var perps: PerpWorldSettings?
    /// The governance timelock and its agents (`protocol.governance`), if any.
    public var governance: GovernanceSettings?
    /// A circuit breaker around the Maker system (`protocol.circuit_breaker`), if any.
    public var makerGuard: GuardSettings?
    /// An options exchange on the world's chain, with its writers, vault, buyers,
    /// liquidators, oracle and settlement keeper (docs/model/options.md); nil for none.
    public var options: OptionsWorldSettings?

    public init(
        seed: UInt64, chain: ChainConfiguration, demand: BackgroundDemand?,
        market: MarketConfiguration, nativeAsset: String? = nil,
        collaterals: [CollateralSettings], borrowers: BorrowerPopulationSettings,
        keepers: [KeeperSettings], arbitrageurs: [ArbitrageurSettings] = [],
        poker: OSMPokerSettings = OSMPokerSettings(address: ProtocolWorld.pokerAddress),
        venueQuoteDelay: SimTime = .seconds(1), producerName: String = "chain",
        producerAddress: Address = ProtocolWorld.producerAddress,
        checksInvariants: Bool = false, limits: KernelLimits = KernelLimits(),
        lending: LendingSettings? = nil,
        perps: PerpWorldSettings? = nil
    ) {
        self.seed = seed
        self.chain = chain
        self.demand = demand
        self.market = market
        self.nativeAsset = nativeAsset
        self.collaterals = collaterals
        self.borrowers = borrowers
        self.keepers = keepers
        self.arbitrageurs = arbitrageurs
        self.poker = poker
        self.venueQuoteDelay = venueQuoteDelay
        self.producerName = producerName
        self.producerAddress = producerAddress
        self.checksInvariants = checksInvariants
        self.limits = limits
        self.lending = lending
        self.perps = perps
    }
}
