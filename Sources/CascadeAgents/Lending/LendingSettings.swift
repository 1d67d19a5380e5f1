import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// Which lending design a world's pool follows (docs/model/lending.md).
public enum LendingPoolKind: Hashable, Sendable {
    /// An `AavePool` under the liquidation rules of `version`.
    case aave(AavePool.Version)
    /// A `CompoundComptroller` with its cToken markets (Compound v2).
    case compound

    /// The `protocol` column of `races.csv` and the trace: `aave-v2`, `aave-v3`,
    /// `aave-v3.3`, `compound-v2`.
    public var protocolName: String {
        switch self {
        case .aave(let version): version.protocolName
        case .compound: "compound-v2"
        }
    }
}

/// One asset of a lending world: an Aave reserve or a Compound market, the market asset
/// whose reference price it has, its off-chain venue, and the oracle feed that reports its
/// price to the pool.
///
/// Risk terms are basis points of 10,000. For Aave they are the reserve's own
/// (`ltvBps`, `liquidationThresholdBps`, `liquidationBonusBps`, `protocolFeeBps`,
/// `reserveFactorBps`); for Compound, `liquidationThresholdBps` is the market's collateral
/// factor (Compound has one factor for borrowing and liquidation) and the bonus and close
/// factor are pool-wide (`LendingSettings`).
public struct LendingAssetSettings: Hashable, Sendable {
    /// The token's symbol (`USDC`), also the reserve's name in traces.
    public var symbol: String
    /// The market asset whose reference price this token has.
    public var asset: String
    /// The token's decimals (USDC 6, CRV 18).
    public var decimals: Int
    public var ltvBps: UInt64
    public var liquidationThresholdBps: UInt64
    public var liquidationBonusBps: UInt64
    /// Aave v3's protocol share of the bonus; v2 and Compound ignore it.
    public var protocolFeeBps: UInt64
    public var reserveFactorBps: UInt64
    /// Aave's variable-rate strategy (`.zero`: no interest). Compound markets accrue none.
    public var interest: AaveInterestRateStrategy
    /// Units of the token suppliers hold in the pool at genesis (cash to borrow from),
    /// besides what borrowers supply.
    public var liquidity: UInt256
    /// The off-chain venue where keepers buy this token to repay and sell it when seized.
    public var venue: OrderBookVenue
    /// The feed: operators observing the venue mid and the quorum a report needs.
    public var operators: Int
    public var quorum: Int
    public var operatorTemplate: FeedOperatorSettings
    /// When the node reports this asset: a move of this much (parts per billion) from the
    /// on-chain answer, or `heartbeatSeconds` since the last report.
    public var deviationPPB: UInt64
    public var heartbeatSeconds: UInt64
    /// The aggregator's bounds, USD per whole token as WAD: Chainlink's `minAnswer` and
    /// `maxAnswer`. A median outside them is never reported (the node's `shouldReport`
    /// says no, and the aggregator would revert it): the feed freezes at its last in-range
    /// answer. Defaults: 1e-18 and 1e12 USD, bounds no world reaches.
    public var minAnswer: UInt256
    public var maxAnswer: UInt256
    /// Compound only: the anchor the view checks this asset's reports against (nil: the
    /// report is its own anchor, so every report passes).
    public var anchor: LendingAnchorSettings?

    public init(
        symbol: String, asset: String, decimals: Int = 18, ltvBps: UInt64 = 0,
        liquidationThresholdBps: UInt64 = 0, liquidationBonusBps: UInt64 = 10_500,
        protocolFeeBps: UInt64 = 0, reserveFactorBps: UInt64 = 0,
        interest: AaveInterestRateStrategy = .zero, liquidity: UInt256 = .zero,
        venue: OrderBookVenue = OrderBookVenue(
            depth: DepthCurve(depthAtReference: 5_000_000, referenceFraction: 0.01),
            recoveryHalfLife: .minutes(30)),
        operators: Int = 7, quorum: Int = 4,
        operatorTemplate: FeedOperatorSettings = FeedOperatorSettings(name: "", feed: 0),
        deviationPPB: UInt64 = 5_000_000, heartbeatSeconds: UInt64 = 3_600,
        minAnswer: UInt256 = .one,
        maxAnswer: UInt256 = UInt256(1_000_000_000_000 as UInt64) * .wad,
        anchor: LendingAnchorSettings? = nil
    ) {
        precondition(!minAnswer.isZero && minAnswer < maxAnswer, "0 < minAnswer < maxAnswer")
        precondition((0...36).contains(decimals), "decimals in 0...36")
        precondition(ltvBps <= liquidationThresholdBps, "LTV at most the threshold")
        precondition(operators >= quorum && quorum >= 1, "quorum between 1 and the operators")
        precondition(venue.problem == nil, venue.problem ?? "")
        self.symbol = symbol
        self.asset = asset
        self.decimals = decimals
        self.ltvBps = ltvBps
        self.liquidationThresholdBps = liquidationThresholdBps
        self.liquidationBonusBps = liquidationBonusBps
        self.protocolFeeBps = protocolFeeBps
        self.reserveFactorBps = reserveFactorBps
        self.interest = interest
        self.liquidity = liquidity
        self.venue = venue
        self.operators = operators
        self.quorum = quorum
        self.operatorTemplate = operatorTemplate
        self.deviationPPB = deviationPPB
        self.heartbeatSeconds = heartbeatSeconds
        self.minAnswer = minAnswer
        self.maxAnswer = maxAnswer
        self.anchor = anchor
    }

    /// `10^decimals`.
    public var unit: UInt256 { UInt256.powerOfTen(decimals) }
}

/// Where a Compound asset's anchor comes from: the time-weighted average, over
/// `windowSeconds`, of the reference price of market asset `asset` (the anchor venue,
/// standing for a Uniswap v2 pair held at that price by arbitrage).
///
/// Compound's `UniswapAnchoredView` (2020) stores the reporter's (Coinbase's) price only
/// within ±tolerance of a Uniswap v2 TWAP; the view's bounds are `LendingSettings`'
/// `anchorToleranceWad`, one for all assets as in the contract
/// (docs/model/lending-world.md, "The anchor").
public struct LendingAnchorSettings: Hashable, Sendable {
    /// The market asset whose path the anchor venue follows.
    public var asset: String
    /// The TWAP window, seconds (Compound: `anchorPeriod`, 30 minutes).
    public var windowSeconds: Int

    public init(asset: String, windowSeconds: Int = 1_800) {
        precondition(windowSeconds > 0, "a TWAP window of at least one second")
        self.asset = asset
        self.windowSeconds = windowSeconds
    }
}

/// A named account with an explicit position (the CRV short of November 2022): it
/// supplies `collateralAmount` base units of asset `collateral` and borrows `debtAmount`
/// base units of asset `debt` at genesis, and never acts again.
///
/// A recursive farmer (Compound, 2020) supplies and borrows the same asset: then
/// `collateral == debt` and it also supplies `supportAmount` of asset `support`, the
/// collateral that carries the part of the debt its own supply does not.
public struct LendingAccountSettings: Hashable, Sendable {
    public var name: String
    public var collateral: Int
    public var collateralAmount: UInt256
    public var debt: Int
    public var debtAmount: UInt256
    public var support: Int?
    public var supportAmount: UInt256

    public init(
        name: String, collateral: Int, collateralAmount: UInt256, debt: Int,
        debtAmount: UInt256, support: Int? = nil, supportAmount: UInt256 = .zero
    ) {
        precondition(
            collateral != debt || support != nil, "an in-kind position needs a support asset")
        precondition(support.map { $0 != collateral } ?? true, "support differs from collateral")
        self.name = name
        self.collateral = collateral
        self.collateralAmount = collateralAmount
        self.debt = debt
        self.debtAmount = debtAmount
        self.support = support
        self.supportAmount = supportAmount
    }
}

/// A position's two sides: the asset it supplies as collateral and the asset it borrows
/// (asset indices of `LendingSettings.assets`).
public struct LendingPair: Hashable, Sendable {
    public var collateral: Int
    public var debt: Int

    public init(collateral: Int, debt: Int) {
        self.collateral = collateral
        self.debt = debt
    }
}

/// The background borrowers of a lending world, drawn at genesis from the stream
/// `lending-borrowers` of the seed (independent of which agents exist).
///
/// Borrower `i` takes the pair `pairs[i % pairs.count]` (collateral asset, debt asset); its
/// collateral's value at the genesis oracle price is log-normal (`sizeMedian` USD, σ
/// `sizeSigma`); its health factor at genesis is uniform in
/// `[healthMinimum, healthMaximum]`, which sets its debt. Borrowers are passive: they
/// neither top up nor repay.
///
/// **Recursive farmers.** A pair with `collateral == debt` has a support asset
/// (`supports[i]`): the farmer puts its stake `X` (the drawn size) in the support, borrows
/// the pair's asset and supplies all of it back, round after round, until its health at
/// genesis is the drawn `h`: supplied = borrowed = `B` with `h = (f_s·X + f·B) / B` at the
/// genesis prices, so `B = f_s·X / (h − f)` (`f`, `f_s` the collateral factors of the
/// pair's asset and of the support). Its shortfall then depends only on the support
/// against the debt's price: `f_s·X·q < (1 − f)·B·p`.
public struct LendingPopulationSettings: Hashable, Sendable {
    public var count: Int
    public var pairs: [LendingPair]
    /// Per pair, the support asset of recursive farmers (nil for an ordinary pair); empty
    /// means none.
    public var supports: [Int?] = []
    /// Median collateral value, USD.
    public var sizeMedian: Double
    public var sizeSigma: Double
    public var healthMinimum: Double
    public var healthMaximum: Double

    public init(
        count: Int, pairs: [LendingPair] = [], sizeMedian: Double = 10_000,
        sizeSigma: Double = 1, healthMinimum: Double = 1.2, healthMaximum: Double = 3
    ) {
        precondition(count >= 0 && sizeMedian > 0 && sizeSigma >= 0)
        precondition(count == 0 || !pairs.isEmpty, "borrowers need at least one pair")
        precondition(healthMinimum > 1 && healthMaximum >= healthMinimum)
        self.count = count
        self.pairs = pairs
        self.sizeMedian = sizeMedian
        self.sizeSigma = sizeSigma
        self.healthMinimum = healthMinimum
        self.healthMaximum = healthMaximum
    }
}

/// A lending keeper's settings: latency, gas policy (Maker keepers' `GasPolicy`, raise on
/// compete included), capital per asset, and faults.
public struct LendingKeeperSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    /// Base units of each asset held at genesis (by asset index): the debt asset it holds
    /// is what limits how much it can repay.
    public var capital: [UInt256]
    /// Native ETH at genesis (whole ETH) for gas.
    public var ethBalance: UInt64
    /// The least profit (USD, after slippage on both venues and gas) worth a transaction.
    public var minimumProfit: Double
    public var maxNewTransactionsPerBlock: Int
    /// After a revert, the account is left alone this long.
    public var retryDelay: SimTime
    /// A liquidatable account it judged unprofitable is looked at again after this long,
    /// doubling with each such look until the account changes, up to 32 times (a bot does
    /// not re-price every small position every block).
    public var recheck: SimTime
    /// Windows when the bot sends nothing (its node keeps syncing).
    public var downtime: [Range<SimTime>]

    public init(
        name: String, address: Address,
        observation: LatencyModel = .logNormal(medianMs: 300, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(5)),
            raisePercent: 15, raiseCap: .gwei(500)),
        capital: [UInt256] = [], ethBalance: UInt64 = 1_000, minimumProfit: Double = 0,
        maxNewTransactionsPerBlock: Int = 4, retryDelay: SimTime = .seconds(30),
        recheck: SimTime = .seconds(60), downtime: [Range<SimTime>] = []
    ) {
        precondition(observation.problem == nil && propagation.problem == nil)
        precondition(maxNewTransactionsPerBlock > 0)
        self.name = name
        self.address = address
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.capital = capital
        self.ethBalance = ethBalance
        self.minimumProfit = minimumProfit
        self.maxNewTransactionsPerBlock = maxNewTransactionsPerBlock
        self.retryDelay = retryDelay
        self.recheck = recheck
        self.downtime = downtime
    }
}

/// The lending part of a protocol world: one pool (Aave or Compound), its assets, the
/// oracle node that reports their prices, the named accounts, the background borrowers and
/// the lending keepers (docs/worlds.md, `protocol.lending`).
public struct LendingSettings: Hashable, Sendable {
    public var kind: LendingPoolKind
    public var assets: [LendingAssetSettings]
    /// Compound: the close factor and the liquidation incentive, bps (5000, 10800).
    /// Aave's close factor is the version's rule and its bonus is per reserve.
    public var closeFactorBps: UInt64
    public var liquidationIncentiveBps: UInt64
    /// Compound: the anchored view's tolerance, WAD (0.2e18: a report is stored only if
    /// the anchor is within ±20% of it), for the assets with an `anchor`.
    public var anchorToleranceWad: UInt256 = .wad / 5
    public var accounts: [LendingAccountSettings]
    public var population: LendingPopulationSettings
    /// Further groups of background borrowers, each its own distribution, drawn after
    /// `population` from streams `lending-borrowers-2`, `-3`, … (so the first group's
    /// draws are the same with or without them).
    public var additionalPopulations: [LendingPopulationSettings] = []
    public var keepers: [LendingKeeperSettings]
    /// The node that puts every asset's report on chain (gas, raise, latencies; its
    /// deviation and heartbeat are per asset). Name and address are set by the world.
    public var transmitter: FeedTransmitterSettings
    /// Oracle exploiters (`LendingExploiter`), each at `ProtocolWorld.lendingExploiter(i)`.
    public var exploiters: [LendingExploiterSettings] = []
    /// A Uniswap v2 pair of two of the assets, its price source for the pool, its
    /// arbitrageur and TWAP poker (`LendingPairSettings`), or none.
    public var pair: LendingPairSettings?
    /// Flash-loan attackers (`FlashLoanAttacker`) on the pair, each at
    /// `ProtocolWorld.flashAttacker(i)`; they need a pair and an Aave pool.
    public var flashAttackers: [FlashLoanAttackerSettings] = []
    /// A circuit breaker and liquidation-fee design around the pool (nil: none).
    public var guardSettings: GuardSettings?

    public init(
        kind: LendingPoolKind, assets: [LendingAssetSettings], closeFactorBps: UInt64 = 5_000,
        liquidationIncentiveBps: UInt64 = 10_800, accounts: [LendingAccountSettings] = [],
        population: LendingPopulationSettings = LendingPopulationSettings(count: 0),
        keepers: [LendingKeeperSettings] = [],
        transmitter: FeedTransmitterSettings = FeedTransmitterSettings(
            name: "", address: .zero)
    ) {
        precondition(!assets.isEmpty && assets.count <= 16, "1 to 16 lending assets")
        self.kind = kind
        self.assets = assets
        self.closeFactorBps = closeFactorBps
        self.liquidationIncentiveBps = liquidationIncentiveBps
        self.accounts = accounts
        self.population = population
        self.keepers = keepers
        self.transmitter = transmitter
    }

    /// Every debt asset a position of this world can have (named accounts and the
    /// population's pairs), ascending.
    public var debtAssets: [Int] {
        var assets = accounts.map(\.debt) + exploiters.map(\.debt)
        if let pair, !flashAttackers.isEmpty { assets.append(pair.quote) }
        for group in [population] + additionalPopulations where group.count > 0 {
            assets += group.pairs.map(\.debt)
        }
        return Array(Set(assets)).sorted()
    }

    /// The unit of the lending figures in `races.csv` and `summary.json`: the symbol of
    /// the one debt asset when every position borrows the same asset, else `USD` (amounts
    /// valued at the pool's oracle price).
    public var amountUnit: String {
        let debts = debtAssets
        return debts.count == 1 ? assets[debts[0]].symbol : "USD"
    }
}
