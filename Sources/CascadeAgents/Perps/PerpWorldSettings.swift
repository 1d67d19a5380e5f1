import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// One perpetual market of a protocol world: the exchange's terms for it, the market asset
/// whose reference price it follows, and its off-chain order book.
public struct PerpMarketSettings: Hashable, Sendable {
    /// The exchange's terms (`name`, margins, open-interest cap, penalty, funding, optional
    /// open-interest scaling and dynamic margin).
    public var terms: PerpMarketTerms
    /// The market asset (`MarketConfiguration`) whose reference price is the index.
    public var asset: String
    /// The market's order book: liquidators fill against it, and forced selling moves it.
    public var venue: OrderBookVenue
    /// Spot venues of the market's asset, each with its own book, for an oracle that reads
    /// the median of their mids (`PerpMarkSource.median`); empty otherwise. A pump attacker
    /// buys on them.
    public var spotVenues: [OrderBookVenue] = []

    public init(terms: PerpMarketTerms, asset: String, venue: OrderBookVenue) {
        precondition(venue.problem == nil, venue.problem ?? "")
        self.terms = terms
        self.asset = asset
        self.venue = venue
    }
}

/// The traders of a perpetuals world, drawn at genesis from the stream `perp-traders` of the
/// seed (so the book does not depend on which agents exist), and how they trade afterwards.
///
/// Each trader has one account: market round robin over the world's markets, long with
/// probability `longShare`, notional log-normal (`notionalMedian`, `notionalSigma`,
/// optionally scaled so the notionals sum to `notionalTotal`), leverage uniform in
/// `[leverageMinimum, leverageMaximum]` (margin = notional / leverage), cross with
/// probability `crossShare` (else isolated). A cross account holds `marketsPerAccount`
/// markets (its round-robin market and the others drawn uniformly without replacement), the
/// notional split equally between them, all on the same side; an isolated account holds
/// one. Leverage is capped at what the account's markets allow (`1 / mean IMF`), so no
/// trader is refused for asking more than the venue's maximum. It deposits its margin and
/// buys or sells each position from the market maker at the genesis price through the
/// matcher.
///
/// During the run each trader acts at the times of a Poisson process of rate
/// `actionsPerDay`: it reduces its position by `reduceFraction` with probability
/// `reduceShare`, else adds `addFraction` to it, filled by the matcher against the market
/// maker at the venue's price after slippage. A trade the exchange refuses (margin, cap)
/// reverts and is counted.
public struct PerpTraderSettings: Hashable, Sendable {
    public var count: Int
    public var longShare: Double
    /// Median notional per trader, USDC at the genesis price.
    public var notionalMedian: Double
    public var notionalSigma: Double
    /// When set, every drawn notional is scaled by one factor so they sum to this (USDC).
    public var notionalTotal: Double?
    public var leverageMinimum: Double
    public var leverageMaximum: Double
    public var crossShare: Double
    /// Markets each cross account holds (1 … the number of markets; isolated accounts hold
    /// one).
    public var marketsPerAccount: Int
    public var actionsPerDay: Double
    public var reduceShare: Double
    public var reduceFraction: Double
    public var addFraction: Double
    /// The matching engine's latencies and gas: it sends the traders' fills.
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        count: Int, longShare: Double = 0.5, notionalMedian: Double = 10_000,
        notionalSigma: Double = 1, notionalTotal: Double? = nil, leverageMinimum: Double = 2,
        leverageMaximum: Double = 5, crossShare: Double = 0.5, marketsPerAccount: Int = 1,
        actionsPerDay: Double = 0,
        reduceShare: Double = 0.5, reduceFraction: Double = 0.5, addFraction: Double = 0.25,
        observation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1)))
    ) {
        precondition(count >= 0 && notionalMedian > 0 && notionalSigma >= 0)
        precondition((0...1).contains(longShare) && (0...1).contains(crossShare))
        precondition(leverageMinimum >= 1 && leverageMaximum >= leverageMinimum)
        precondition(actionsPerDay >= 0 && (0...1).contains(reduceShare))
        precondition(marketsPerAccount >= 1)
        precondition(reduceFraction > 0 && reduceFraction <= 1 && addFraction > 0)
        self.count = count
        self.longShare = longShare
        self.notionalMedian = notionalMedian
        self.notionalSigma = notionalSigma
        self.notionalTotal = notionalTotal
        self.leverageMinimum = leverageMinimum
        self.leverageMaximum = leverageMaximum
        self.crossShare = crossShare
        self.marketsPerAccount = marketsPerAccount
        self.actionsPerDay = actionsPerDay
        self.reduceShare = reduceShare
        self.reduceFraction = reduceFraction
        self.addFraction = addFraction
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
    }
}

/// A trader named in a historical world: one account, one position, opened at genesis after
/// the drawn population (so adding one changes no drawn trader).
public struct PerpNamedAccount: Hashable, Sendable {
    public var name: String
    /// The market's index in `PerpWorldSettings.markets`.
    public var market: Int
    public var long: Bool
    /// USDC at the genesis price.
    public var notional: Double
    public var leverage: Double
    public var cross: Bool

    public init(
        name: String, market: Int, long: Bool, notional: Double, leverage: Double,
        cross: Bool = false
    ) {
        precondition(notional > 0 && leverage >= 1)
        self.name = name
        self.market = market
        self.long = long
        self.notional = notional
        self.leverage = leverage
        self.cross = cross
    }
}

/// A liquidator of a perpetuals world: a market maker that takes liquidated positions into
/// its own cross account at prices from the market's order book, racing the others.
public struct PerpLiquidatorSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    /// USDC in its exchange account at genesis, quantums: its margin bounds what it can take.
    public var capital: Int128
    /// Native ETH for gas, whole ETH.
    public var ethBalance: UInt64
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    /// New transactions per observed block.
    public var maxNewTransactionsPerBlock: Int
    /// After a revert it leaves that position alone this long.
    public var retryDelay: SimTime
    /// The extra spread it takes below the book's average price (0.01 = 1%); 0 passes the
    /// book's prices on, as dYdX's liquidation orders meet resting bids.
    public var fillDiscount: Double
    /// How far inside the fillable price it aims its average, as a fraction of the mark:
    /// the mark moves between the block it saw and the one that includes its fill, and a
    /// fill priced right at the bound reverts on any move against it.
    public var priceBuffer: Double
    /// It does not bother with fills below this notional, USDC.
    public var minimumNotional: Double
    /// Windows when it sends nothing (its node keeps its index in sync).
    public var downtime: [Range<SimTime>]

    public init(
        name: String, address: Address, capital: Int128 = 1_000_000 * 1_000_000,
        ethBalance: UInt64 = 1_000,
        observation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1))),
        maxNewTransactionsPerBlock: Int = 8, retryDelay: SimTime = .seconds(2),
        fillDiscount: Double = 0, priceBuffer: Double = 0.0002, minimumNotional: Double = 10,
        downtime: [Range<SimTime>] = []
    ) {
        precondition(capital >= 0 && maxNewTransactionsPerBlock > 0)
        precondition(fillDiscount >= 0 && fillDiscount < 1 && minimumNotional >= 0)
        precondition(priceBuffer >= 0 && priceBuffer < 1)
        precondition(observation.problem == nil && propagation.problem == nil)
        self.name = name
        self.address = address
        self.capital = capital
        self.ethBalance = ethBalance
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.maxNewTransactionsPerBlock = maxNewTransactionsPerBlock
        self.retryDelay = retryDelay
        self.fillDiscount = fillDiscount
        self.priceBuffer = priceBuffer
        self.minimumNotional = minimumNotional
        self.downtime = downtime
    }
}

/// Where the oracle reads each market's mark.
public enum PerpMarkSource: String, Hashable, Sendable, CaseIterable {
    /// The market's own order book (its mid): forced selling there reaches the mark, and
    /// through it more liquidations — the death spiral.
    case venue
    /// The asset's reference price (an index of other venues): the exchange's own selling
    /// does not move it.
    case index
    /// The median of the mids of the market's spot venues (`spotVenues`): the element at
    /// `count / 2` of the sorted mids (the middle one for an odd count, the upper middle for
    /// an even one, as Chainlink's OCR median). Buying on one venue of three does not move
    /// it; buying on two does (Mango Markets, HISTORY.md §4).
    case median
}

/// The oracle of a perpetuals world: it posts marks, pays funding and (for markets with
/// dynamic margin) realised volatility, in one transaction per tick.
public struct PerpOracleSettings: Hashable, Sendable {
    /// How often it looks at the market.
    public var updateInterval: SimTime
    /// Windows when it posts no mark (an oracle freeze); funding and volatility go on.
    /// Empty by default.
    public var downtime: [Range<SimTime>] = []
    /// It posts a market's mark when it moved by more than this fraction since the last
    /// post (0: on every change), or when `heartbeat` has passed.
    public var deviation: Double
    public var heartbeat: SimTime
    /// Its data's lag behind the market.
    public var sourceDelay: SimTime
    public var markSource: PerpMarkSource
    /// Realised volatility for dynamic margin: one log return per `volatilitySample`, the
    /// standard deviation over the last `volatilityWindow`, scaled to one day; posted every
    /// sample to markets whose terms have a volatility multiplier.
    public var volatilitySample: SimTime
    public var volatilityWindow: SimTime
    public var propagation: LatencyModel
    public var gas: GasPolicy

    public init(
        updateInterval: SimTime = .seconds(1), deviation: Double = 0,
        heartbeat: SimTime = .minutes(1), sourceDelay: SimTime = .seconds(1),
        markSource: PerpMarkSource = .venue, volatilitySample: SimTime = .minutes(1),
        volatilityWindow: SimTime = .hours(1),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1)))
    ) {
        precondition(updateInterval.milliseconds > 0 && heartbeat.milliseconds > 0)
        precondition(deviation >= 0 && deviation < 1 && sourceDelay.milliseconds >= 0)
        precondition(volatilitySample.milliseconds > 0)
        precondition(volatilityWindow.milliseconds >= 2 * volatilitySample.milliseconds)
        self.updateInterval = updateInterval
        self.deviation = deviation
        self.heartbeat = heartbeat
        self.sourceDelay = sourceDelay
        self.markSource = markSource
        self.volatilitySample = volatilitySample
        self.volatilityWindow = volatilityWindow
        self.propagation = propagation
        self.gas = gas
    }
}

/// The agent that calls the last steps of the loss waterfall when the exchange allows them:
/// `backstop` (below the backstop threshold, the fund covering what is left) and
/// `deleverage` (bankrupt beyond what the fund holds). Anyone may; this is whoever does.
public struct PerpBackstopSettings: Hashable, Sendable {
    public var callsBackstop: Bool
    public var callsDeleverage: Bool
    /// Whether it also deleverages the backstop vault itself when the vault is below zero
    /// beyond what the fund holds (the venue of HISTORY.md §7 deleverages any account whose
    /// value turns negative, the vault included); with `false` the vault's losses stay in
    /// it.
    public var deleveragesVault: Bool
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    public var maxNewTransactionsPerBlock: Int

    public init(
        callsBackstop: Bool = true, callsDeleverage: Bool = true, deleveragesVault: Bool = false,
        observation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1))),
        maxNewTransactionsPerBlock: Int = 16
    ) {
        precondition(maxNewTransactionsPerBlock > 0)
        self.callsBackstop = callsBackstop
        self.callsDeleverage = callsDeleverage
        self.deleveragesVault = deleveragesVault
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.maxNewTransactionsPerBlock = maxNewTransactionsPerBlock
    }
}

/// The perpetuals part of a protocol world: one `PerpExchange` on the world's chain with its
/// markets, insurance fund and waterfall rules, the traders, the market maker on the other
/// side of their positions, the liquidators, the oracle and the backstop agent
/// (docs/worlds.md, `perps`).
public struct PerpWorldSettings: Hashable, Sendable {
    public var markets: [PerpMarketSettings]
    /// The insurance fund at genesis, quantums.
    public var insuranceFund: Int128
    public var backstopThresholdPpm: Int128
    public var deleveragingPrice: PerpExchange.DeleveragingPrice
    public var spreadToMaintenanceMarginRatioPpm: Int128
    public var bankruptcyAdjustmentPpm: Int128
    public var traders: PerpTraderSettings
    public var namedAccounts: [PerpNamedAccount]
    /// USDC of the market maker that takes the other side of every trader's position,
    /// quantums.
    public var marketMakerCapital: Int128
    public var liquidators: [PerpLiquidatorSettings]
    public var oracle: PerpOracleSettings
    /// The backstop and deleveraging agent, or nil for none (nobody calls them).
    public var backstop: PerpBackstopSettings?
    /// Whether unrealised profit backs withdrawals (`PerpExchange.Configuration`): true
    /// is Mango Markets v3's rule.
    public var unrealisedProfitBacksWithdrawals = true
    /// USDC of passive depositors at genesis (one account with no position), quantums:
    /// what a borrower of unrealised profit takes from.
    public var depositorsCapital: Int128 = 0
    /// The pump-and-borrow attacker, or nil for none.
    public var attacker: PumpAttackerSettings?
    /// A circuit breaker and liquidation-fee design around the exchange (nil: none).
    public var guardSettings: GuardSettings?

    public init(
        markets: [PerpMarketSettings], insuranceFund: Int128 = 0,
        backstopThresholdPpm: Int128 = 666_667,
        deleveragingPrice: PerpExchange.DeleveragingPrice = .bankruptcy,
        spreadToMaintenanceMarginRatioPpm: Int128 = 100_000,
        bankruptcyAdjustmentPpm: Int128 = 1_000_000, traders: PerpTraderSettings,
        namedAccounts: [PerpNamedAccount] = [],
        marketMakerCapital: Int128 = 10_000_000 * 1_000_000,
        liquidators: [PerpLiquidatorSettings], oracle: PerpOracleSettings = PerpOracleSettings(),
        backstop: PerpBackstopSettings? = PerpBackstopSettings()
    ) {
        precondition(!markets.isEmpty && markets.count < Int(UInt16.max))
        precondition(traders.marketsPerAccount <= markets.count)
        precondition(insuranceFund >= 0 && marketMakerCapital >= 0)
        precondition(backstopThresholdPpm > 0 && backstopThresholdPpm <= PerpMath.ppm)
        self.markets = markets
        self.insuranceFund = insuranceFund
        self.backstopThresholdPpm = backstopThresholdPpm
        self.deleveragingPrice = deleveragingPrice
        self.spreadToMaintenanceMarginRatioPpm = spreadToMaintenanceMarginRatioPpm
        self.bankruptcyAdjustmentPpm = bankruptcyAdjustmentPpm
        self.traders = traders
        self.namedAccounts = namedAccounts
        self.marketMakerCapital = marketMakerCapital
        self.liquidators = liquidators
        self.oracle = oracle
        self.backstop = backstop
    }
}
