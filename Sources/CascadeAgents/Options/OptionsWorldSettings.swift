import CascadeChain
import CascadeContracts
import CascadeCore
import CascadeKernel

/// A listed series as a world file gives it: kind, strike (a fraction of the genesis
/// price, or an absolute price) and time to expiry from the world's start.
public struct OptionsSeriesSettings: Hashable, Sendable {
    public enum Strike: Hashable, Sendable {
        /// A fraction of the underlying's genesis price, ppm (900,000 = 90%).
        case moneynessPpm(Int64)
        /// An absolute strike, WAD.
        case price(Int128)
    }

    public var kind: OptionKind
    public var strike: Strike
    public var expirySeconds: UInt64

    public init(kind: OptionKind, strike: Strike, expirySeconds: UInt64) {
        self.kind = kind
        self.strike = strike
        self.expirySeconds = expirySeconds
    }

    /// The strike in WAD given the genesis price (WAD), rounded to a whole dollar so the
    /// series reads like a listed one.
    func strikeWad(genesisPrice: Int128) -> Int128 {
        switch strike {
        case .price(let price): return price
        case .moneynessPpm(let ppm):
            let dollars = genesisPrice / OptionsMath.wadInteger * Int128(ppm) / 1_000_000
            return max(1, dollars) * OptionsMath.wadInteger
        }
    }
}

/// One leg of the book every writer writes, per unit of its size: `units` of series
/// `series` (negative: short).
public struct OptionsBookLeg: Hashable, Sendable {
    public var series: Int
    public var units: Double

    public init(series: Int, units: Double) {
        self.series = series
        self.units = units
    }
}

/// The writers: a population that sells the world's book against the buyers, each sizing
/// it so its initial margin uses a drawn share of its capital — the tighter the margin
/// rule, the smaller the book a dollar of capital carries.
public struct OptionsWriterSettings: Hashable, Sendable {
    public var count: Int
    /// Capital per writer: log-normal around the median (stablecoin dollars).
    public var capitalMedian: Double
    public var capitalSigma: Double
    /// The book per unit of size.
    public var book: [OptionsBookLeg]
    /// The share of capital the book's initial margin uses, uniform in [min, max].
    public var marginUseMinimum: Double
    public var marginUseMaximum: Double

    public init(
        count: Int, capitalMedian: Double, capitalSigma: Double = 0.5, book: [OptionsBookLeg],
        marginUseMinimum: Double = 0.6, marginUseMaximum: Double = 0.95
    ) {
        precondition(count >= 0 && capitalMedian > 0 && capitalSigma >= 0)
        precondition(0 < marginUseMinimum && marginUseMinimum <= marginUseMaximum)
        precondition(marginUseMaximum <= 1)
        self.count = count
        self.capitalMedian = capitalMedian
        self.capitalSigma = capitalSigma
        self.book = book
        self.marginUseMinimum = marginUseMinimum
        self.marginUseMaximum = marginUseMaximum
    }
}

/// An options vault: pooled capital that sells cash-secured puts (each put's strike ×
/// size held as collateral) on the listed series it names, to the buyers, at the mark.
public struct OptionsVaultSettings: Hashable, Sendable {
    public var capital: Int128
    /// The put series it sells, by index; the capital is split equally between them.
    public var series: [Int]
    /// The share of capital that secures puts (the rest is spare margin), ppm.
    public var utilisationPpm: Int64

    public init(capital: Int128, series: [Int], utilisationPpm: Int64 = 1_000_000) {
        self.capital = capital
        self.series = series
        self.utilisationPpm = utilisationPpm
    }
}

/// An options liquidator: its account's capital and how it watches and bids.
public struct OptionsLiquidatorSettings: Hashable, Sendable {
    public var name: String
    public var address: Address
    public var capital: Int128
    public var observation: LatencyModel
    public var propagation: LatencyModel
    public var gas: GasPolicy
    public var maxNewTransactionsPerBlock: Int
    /// How long it waits before trying an account again after its liquidation reverted.
    public var retryDelay: SimTime = .seconds(60)
    /// Windows in which it sends nothing (a keeper outage); none by default.
    public var downtime: [Range<SimTime>] = []

    public init(
        name: String, address: Address, capital: Int128 = 1_000_000 * OptionsMath.wadInteger,
        observation: LatencyModel = .logNormal(medianMs: 200, sigma: 0.5),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1))),
        maxNewTransactionsPerBlock: Int = 8
    ) {
        self.name = name
        self.address = address
        self.capital = capital
        self.observation = observation
        self.propagation = propagation
        self.gas = gas
        self.maxNewTransactionsPerBlock = maxNewTransactionsPerBlock
    }
}

/// The options oracle (posts the underlying's price, which marks every series) and the
/// settlement keeper.
public struct OptionsOracleSettings: Hashable, Sendable {
    public var updateInterval: SimTime
    /// Its data's lag behind the market.
    public var sourceDelay: SimTime
    public var propagation: LatencyModel
    public var gas: GasPolicy
    /// Windows in which it posts nothing (a frozen feed): marks and settlement prices wait
    /// for its first post after the window; none by default.
    public var downtime: [Range<SimTime>] = []

    public init(
        updateInterval: SimTime = .seconds(12), sourceDelay: SimTime = .seconds(1),
        propagation: LatencyModel = .logNormal(medianMs: 100, sigma: 0.5),
        gas: GasPolicy = GasPolicy(
            strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1)))
    ) {
        precondition(updateInterval.milliseconds > 0 && sourceDelay.milliseconds >= 0)
        self.updateInterval = updateInterval
        self.sourceDelay = sourceDelay
        self.propagation = propagation
        self.gas = gas
    }
}

/// `protocol.options`: an options exchange on one market asset, its series, margin rules,
/// writers, vault, buyers, liquidators, oracle and settlement keeper (docs/model/options.md).
public struct OptionsWorldSettings: Hashable, Sendable {
    /// The market asset the options are written on.
    public var asset: String
    public var ratePpm: Int64 = 0
    public var dividendYieldPpm: Int64 = 0
    public var surface: VolatilitySurface
    public var series: [OptionsSeriesSettings]
    public var margin = OptionMarginTerms()
    /// The margin mode of the writers' and the vault's accounts.
    public var mode: OptionsModeName = .portfolio
    public var insuranceFund: Int128 = 0
    /// The buyers' desk: one cross account on the other side of every writer and the
    /// vault.
    public var buyerCapital: Int128
    public var writers: OptionsWriterSettings?
    public var vault: OptionsVaultSettings?
    public var liquidators: [OptionsLiquidatorSettings] = []
    public var oracle = OptionsOracleSettings()
    /// The settlement keeper's latencies and gas (the oracle's by default).
    public var settlementGas = GasPolicy(
        strategy: .baseFeeMultiple(percent: 200, priorityFee: .gwei(1)))
    /// Windows in which the settlement keeper sends nothing; none by default.
    public var settlementDowntime: [Range<SimTime>] = []

    public init(
        asset: String, surface: VolatilitySurface, series: [OptionsSeriesSettings],
        buyerCapital: Int128
    ) {
        self.asset = asset
        self.surface = surface
        self.series = series
        self.buyerCapital = buyerCapital
    }
}

/// A margin mode by name (the underlying is the world's one asset).
public enum OptionsModeName: String, Hashable, Sendable, CaseIterable {
    case isolated
    case cross
    case portfolio

    func mode(_ underlying: OptionUnderlyingID) -> OptionMarginMode {
        switch self {
        case .isolated: .isolated
        case .cross: .cross(underlying)
        case .portfolio: .portfolio(underlying)
        }
    }
}
