import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A Uniswap v2 pair of two lending assets (`protocol.lending.pair`, docs/worlds.md): a
/// thin on-chain market for `asset` quoted in `quote`, with the reserves it holds at
/// genesis, and where the pool takes `asset`'s price from — its feed as before, the pair's
/// spot price, or a TWAP oracle over the pair (`DexPriceFeed`).
///
/// An arbitrageur (`Arbitrageur`) keeps the pair near the market reference prices, and
/// with a TWAP a poker (`OSMPoker` with the oracle among its `twaps`) closes the oracle's window as soon as it has passed:
/// without one the average is never computed and the pool cannot price the asset.
public struct LendingPairSettings: Hashable, Sendable {
    /// Where the pool reads `asset`'s price.
    public enum PriceSource: Hashable, Sendable {
        /// The asset's Chainlink-style feed, as every other asset (the pair is only a market).
        case oracle
        /// The pair's reserves at the moment of each call on the pool.
        case spot
        /// A v2-periphery `ExampleOracleSimple` over the pair with this window, seconds.
        case twap(windowSeconds: UInt32)
    }

    /// The lending asset the pair trades, and the one it is quoted in (indices of
    /// `LendingSettings.assets`).
    public var asset: Int
    public var quote: Int
    /// Base units of each side the liquidity provider deposits at genesis: their ratio is
    /// the pair's starting price.
    public var assetReserve: UInt256
    public var quoteReserve: UInt256
    public var priceSource: PriceSource
    /// The pair's arbitrageur (its `collateral` is `asset`; its capital is whole units of
    /// `asset` and `quote`), or none.
    public var arbitrageur: ArbitrageurSettings?
    /// The TWAP oracle's poker (a TWAP source only).
    public var poker: OSMPokerSettings?

    public init(
        asset: Int, quote: Int, assetReserve: UInt256, quoteReserve: UInt256,
        priceSource: PriceSource, arbitrageur: ArbitrageurSettings? = nil,
        poker: OSMPokerSettings? = nil
    ) {
        precondition(asset != quote, "a pair of two assets")
        precondition(!assetReserve.isZero && !quoteReserve.isZero, "a pair with liquidity")
        if case .twap(let window) = priceSource { precondition(window > 0, "a TWAP window") }
        self.asset = asset
        self.quote = quote
        self.assetReserve = assetReserve
        self.quoteReserve = quoteReserve
        self.priceSource = priceSource
        self.arbitrageur = arbitrageur
        self.poker = poker
    }
}

/// A flash-loan attacker's settings (`protocol.lending.flash_attackers`, docs/worlds.md):
/// how many loan sizes it tries, the least profit worth a bundle, its latency and gas.
public struct FlashLoanAttackerSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    /// Loan sizes tried per block: `cash · k / sizes` for `k = 1 … sizes`, `cash` the
    /// pool's cash of the quote asset.
    public var sizes: Int
    /// The least profit of a bundle, USD, after gas.
    public var minimumProfit: Double
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    /// Native coin at genesis (whole units) for gas.
    public var ethBalance: UInt64

    public init(
        name: String, address: Address, sizes: Int = 16, minimumProfit: Double = 100,
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(5))),
        ethBalance: UInt64 = 100
    ) {
        precondition((1...64).contains(sizes), "1 to 64 loan sizes")
        precondition(minimumProfit >= 0)
        precondition(observation.problem == nil && propagation.problem == nil)
        self.name = name
        self.address = address
        self.sizes = sizes
        self.minimumProfit = minimumProfit
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.ethBalance = ethBalance
    }
}

/// What a flash-loan attacker did, for tests and the summary.
public struct FlashLoanAttackerStatistics: Hashable, Sendable {
    public var blocksObserved = 0
    /// Blocks where it evaluated a bundle and none was profitable after gas (every size
    /// reverted in the dry run or earned too little).
    public var unprofitable = 0
    /// Bundles sent (one transaction each), landed, reverted or dropped.
    public var sent = 0
    public var included = 0
    public var reverted = 0
    public var dropped = 0
    /// Base units of the quote asset flash-borrowed by landed bundles.
    public var flashVolume: UInt256 = .zero
    /// Base units of the quote asset it gained from landed bundles: its balance after
    /// each, minus before (what it borrowed, less the loan and premium).
    public var profit: UInt256 = .zero
    public var gasPaidWei: Wei = 0
    public var lastRevert: String?
}
