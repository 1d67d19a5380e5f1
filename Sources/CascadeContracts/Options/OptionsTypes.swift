import CascadeCore

/// An underlying asset of an `OptionsExchange` (ETH, BTC …), by dense index.
public struct OptionUnderlyingID: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A listed option series (underlying, strike, expiry, call or put), by dense index.
public struct OptionSeriesID: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = UInt32(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An options account, by dense index (handed out by `openAccount` in order).
public struct OptionAccountID: RawRepresentable, Hashable, Comparable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: Int) { self.rawValue = UInt32(rawValue) }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How an account's collateral backs its positions.
public enum OptionMarginMode: Hashable, Sendable {
    /// One position per account (its first series, until it is closed or settled); the
    /// requirement is that position's own: a loss stops at its collateral.
    case isolated
    /// Any series of one underlying share the collateral; the requirement is the sum of
    /// each position's own requirement (profits and losses net, requirements do not).
    case cross(OptionUnderlyingID)
    /// Any series of one underlying; the requirement is the worst loss of the whole book
    /// over the stress grid (hedges offset inside each scenario).
    case portfolio(OptionUnderlyingID)

    public var name: String {
        switch self {
        case .isolated: "isolated"
        case .cross: "cross"
        case .portfolio: "portfolio"
        }
    }
}

/// An underlying: its oracle price, surface and rates.
public struct OptionUnderlying: Hashable, Sendable {
    public var name: String
    public var surface: VolatilitySurface
    /// Risk-free rate and dividend (or lease) yield, ppm per year.
    public var ratePpm: Int64
    public var dividendYieldPpm: Int64
    /// The oracle's latest price, WAD of stablecoin per unit (0 before the first update).
    public internal(set) var spot: Int128 = 0
    /// When the oracle set `spot`, seconds.
    public internal(set) var spotTimestamp: UInt64 = 0

    public init(name: String, surface: VolatilitySurface, ratePpm: Int64, dividendYieldPpm: Int64) {
        self.name = name
        self.surface = surface
        self.ratePpm = ratePpm
        self.dividendYieldPpm = dividendYieldPpm
    }

    public var rate: Double { Double(ratePpm) / 1e6 }
    public var dividendYield: Double { Double(dividendYieldPpm) / 1e6 }
}

/// A European, cash-settled option series.
public struct OptionSeries: Hashable, Sendable {
    public var underlying: OptionUnderlyingID
    public var kind: OptionKind
    /// WAD of stablecoin per unit of the underlying.
    public var strike: Int128
    /// Expiry, seconds since the world's start.
    public var expiry: UInt64
    /// The latest mark (model price at the oracle's spot), WAD per unit.
    public internal(set) var mark: Int128 = 0
    /// The oracle's first price at or after expiry, once there is one.
    public internal(set) var settlementPrice: Int128?
    /// Whether every position has been paid out.
    public internal(set) var isSettled = false
    /// Open interest: the sum of long sizes (equal to the sum of short sizes), WAD units.
    public internal(set) var openInterest: Int128 = 0

    public init(underlying: OptionUnderlyingID, kind: OptionKind, strike: Int128, expiry: UInt64) {
        self.underlying = underlying
        self.kind = kind
        self.strike = strike
        self.expiry = expiry
    }

    /// The exact payoff per unit at `price`, WAD.
    public func intrinsic(at price: Int128) -> Int128 {
        switch kind {
        case .call: max(0, price - strike)
        case .put: max(0, strike - price)
        }
    }
}

/// A position: `size` units of a series, WAD; positive is long, negative short.
public struct OptionPosition: Hashable, Sendable {
    public var series: OptionSeriesID
    public var size: Int128

    public init(series: OptionSeriesID, size: Int128) {
        self.series = series
        self.size = size
    }
}

/// An account: its owner, margin mode, stablecoin collateral (WAD, never negative) and
/// positions in series order.
public struct OptionAccount: Hashable, Sendable {
    public var owner: Address
    public var mode: OptionMarginMode
    public internal(set) var collateral: Int128
    public internal(set) var positions: [OptionPosition]

    public func size(in series: OptionSeriesID) -> Int128 {
        positions.first { $0.series == series }?.size ?? 0
    }
}

/// Rule-based and grid margin terms (ppm). Defaults are documented in
/// `docs/model/options.md`.
public struct OptionMarginTerms: Hashable, Sendable {
    /// A short option's rule-based initial margin per unit, `max(a·S − OTM, b·X)` with
    /// `X = S` for a call and `K` for a put (the CBOE's naked-option rule): `a`.
    public var shortRatePpm: Int64 = 150_000
    /// `b`, the floor of the rule.
    public var shortMinimumPpm: Int64 = 100_000
    /// Portfolio margin's floor per unit of net short option, a fraction of spot
    /// (Deribit's contingency charge).
    public var contingencyPpm: Int64 = 10_000
    /// Maintenance margin as a fraction of initial (Deribit's `mm_factor`, 80%).
    public var maintenanceFactorPpm: Int64 = 800_000
    /// The liquidator's penalty, a fraction of the liquidated account's maintenance margin
    /// (capped by what the account has left).
    public var liquidationPenaltyPpm: Int64 = 200_000
    /// The portfolio stress grid.
    public var grid = RiskGrid.Parameters()

    public init() {}
}

/// An account's margin at one moment: stablecoin WAD.
public struct OptionAccountMargin: Hashable, Sendable {
    /// Collateral plus the marked value of the positions (shorts count negative).
    public var equity: Int128
    public var initial: Int128
    public var maintenance: Int128

    public var isLiquidatable: Bool { maintenance > 0 && equity < maintenance }
    public var meetsInitial: Bool { equity >= initial }
}
