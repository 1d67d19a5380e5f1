import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// The block producer of a protocol world: a `ChainProducer` over `ProtocolState` as an
/// agent. Concrete (not generic) so the kernel's `any Agent` calls are specialised; see
/// `ChainProducer` for timing, demand and the sink.
public final class ProtocolProducer: Agent {
    public let name: String
    /// Unchecked: the kernel runs one agent at a time (see `BlockProducer`).
    @exclusivity(unchecked) public var core: ChainProducer<ProtocolState, ProtocolExtension>

    public init(name: String, core: ChainProducer<ProtocolState, ProtocolExtension>) {
        self.name = name
        self.core = core
    }

    public var chain: Chain<ProtocolState> { core.chain }

    public func start(_ context: Context<ProtocolMessage>) {
        core.start(context)
    }

    public func handle(_ message: ProtocolMessage, _ context: Context<ProtocolMessage>) {
        core.handle(message, context)
    }
}

/// The prices of one collateral at a block, for the race ledger.
public struct CollateralBlockPrices: Hashable, Sendable {
    /// The collateral's index in `ProtocolWorldConfiguration.collaterals`.
    public var collateral: Int
    public var ilk: MakerSystem.IlkID
    /// The market's reference price at the block's time (`MarketPath`, quote per unit):
    /// what the wider world trades at, before any venue's impact.
    public var marketPrice: Double
    /// The OSM's current value (`peek()`), WAD; zero when it has none. This is the price
    /// the Spotter reads, so vaults become liquidatable against it (after a `spotterPoke`).
    public var oraclePrice: UInt256
    /// The OSM's queued value (`peep()`), WAD: current one hop later.
    public var queuedOraclePrice: UInt256
    /// The median aggregator's latest answer, WAD (zero before the first report).
    public var medianPrice: UInt256
    /// The ilk's `spot` after the block (RAY): what `bark`/`bite` test against.
    public var spot: UInt256
}

/// Receives every block of a protocol world with the prices around it — the hook for the
/// race ledger (and any other record of a run).
///
/// Called once per block, at the block's time, right after the producer built it and
/// before any agent observes it (it is the producer's `BlockSink`). `block` holds every
/// included transaction (`transactions[i]` with `receipts[i]`; the calls tell what each
/// attempt was: `LiquidationAttempt(calls:)`), the contract events and the dropped
/// transactions; `state` is the state after the block; `prices` has one entry per
/// collateral, in configuration order. All three are borrowed: copy what you keep.
public protocol ProtocolBlockObserver: AnyObject {
    func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState,
        prices: [CollateralBlockPrices])
}

/// The producer's sink in a protocol world: adds each collateral's market and oracle prices
/// at the block's time and hands the block to a `ProtocolBlockObserver`.
public final class ProtocolBlockRelay: BlockSink {
    public typealias State = ProtocolState

    let market: MarketPath
    let assets: [AssetID]
    let ilks: [MakerSystem.IlkID]
    public let observer: any ProtocolBlockObserver
    /// Reused between blocks.
    var prices: [CollateralBlockPrices] = []
    /// A lending pool's assets, appended to `prices` after the collaterals.
    var lending: LendingPriceSource?
    /// Each perpetual market's asset, by market index; the observer hears their reference
    /// prices first when it is a `PerpBlockObserver`.
    var perpAssets: [AssetID] = []
    var perpPrices: [Double] = []
    lazy var perpObserver: (any PerpBlockObserver)? = observer as? any PerpBlockObserver

    init(
        market: MarketPath, assets: [AssetID], ilks: [MakerSystem.IlkID],
        observer: any ProtocolBlockObserver
    ) {
        self.market = market
        self.assets = assets
        self.ilks = ilks
        self.observer = observer
    }

    public func didProduce(
        _ block: BlockResult<ProtocolState.Call, ProtocolState.Event>, state: ProtocolState
    ) {
        prices.removeAll(keepingCapacity: true)
        for index in ilks.indices {
            prices.append(
                Self.prices(
                    of: index, ilk: ilks[index], state: state,
                    marketPrice: market.price(of: assets[index], at: block.input.time)))
        }
        lending?.append(to: &prices, state: state, market: market, time: block.input.time)
        if !perpAssets.isEmpty, let perpObserver {
            perpPrices.removeAll(keepingCapacity: true)
            for asset in perpAssets {
                perpPrices.append(market.price(of: asset, at: block.input.time))
            }
            perpObserver.willObserve(perpMarketPrices: perpPrices)
        }
        observer.didProduce(block, state: state, prices: prices)
    }

    /// The on-chain prices of collateral `index` (`ilk`) in `state`.
    public static func prices(
        of index: Int, ilk: MakerSystem.IlkID, state: ProtocolState, marketPrice: Double
    ) -> CollateralBlockPrices {
        var oracle = UInt256.zero
        var queued = UInt256.zero
        var median = UInt256.zero
        if let wiring = state.collateral(of: ilk) {
            let osm = state.osms[wiring.osm]
            let current = osm.peek()
            let next = osm.peep()
            oracle = current.has ? current.value : .zero
            queued = next.has ? next.value : .zero
            median =
                state.aggregators[state.osmSources[wiring.osm]].latestRoundData?.answer ?? .zero
        }
        return CollateralBlockPrices(
            collateral: index, ilk: ilk, marketPrice: marketPrice, oraclePrice: oracle,
            queuedOraclePrice: queued, medianPrice: median, spot: state.maker.ilk(ilk).spot)
    }
}

/// A `ProtocolBlockObserver` that also wants each perpetual market's reference price: told,
/// once per block and right before `didProduce`, the prices at the block's time by market
/// index (the asset's `MarketPath` price, what "unsafe at the market price" tests against).
public protocol PerpBlockObserver: AnyObject {
    func willObserve(perpMarketPrices: [Double])
}

/// What a liquidation-race attempt is, recognised from a transaction's calls: the first
/// `bark`, `bite`, `take`, `tend`, `dent`, `deal` or `redo` among them (a keeper's bundle carries
/// joins, exits and swaps around it).
public struct LiquidationAttempt: Hashable, Sendable {
    public enum Kind: String, Hashable, Sendable {
        case bark, bite, take, tend, dent, deal, redo
    }

    public var kind: Kind
    /// The vault's owner for `bark`/`bite`; nil otherwise.
    public var vault: Address?
    /// The ilk for `bark`/`bite`; nil otherwise.
    public var ilk: MakerSystem.IlkID?
    /// The auction for `take`/`tend`/`dent`/`deal`; nil otherwise.
    public var auction: MakerSystem.AuctionID?
    /// `take`: whether the DAI came from a flash bundle (sold on the AMM in the same
    /// transaction).
    public var flash: Bool

    /// The attempt a transaction of `calls` makes, or nil if it makes none.
    public init?(calls: [ProtocolState.Call]) {
        for call in calls {
            guard case .maker(let makerCall) = call else { continue }
            switch makerCall {
            case .bark(let ilk, let vault, _):
                self.init(kind: .bark, vault: vault, ilk: ilk, auction: nil, flash: false)
            case .bite(let ilk, let vault):
                self.init(kind: .bite, vault: vault, ilk: ilk, auction: nil, flash: false)
            case .take(let auction, _, _, _, let flash):
                self.init(kind: .take, vault: nil, ilk: nil, auction: auction, flash: flash)
            case .tend(let auction, _, _):
                self.init(kind: .tend, vault: nil, ilk: nil, auction: auction, flash: false)
            case .dent(let auction, _, _):
                self.init(kind: .dent, vault: nil, ilk: nil, auction: auction, flash: false)
            case .deal(let auction):
                self.init(kind: .deal, vault: nil, ilk: nil, auction: auction, flash: false)
            case .redo(let auction, _):
                self.init(kind: .redo, vault: nil, ilk: nil, auction: auction, flash: false)
            default:
                continue
            }
            return
        }
        return nil
    }

    init(
        kind: Kind, vault: Address?, ilk: MakerSystem.IlkID?,
        auction: MakerSystem.AuctionID?, flash: Bool
    ) {
        self.kind = kind
        self.vault = vault
        self.ilk = ilk
        self.auction = auction
        self.flash = flash
    }
}
