import CascadeCore

/// A perpetual market of a `PerpExchange` (ETH-USD, BTC-USD …), by dense index.
///
/// Ids are handed out by `PerpExchange.addMarket` in registration order, so markets live in
/// an array and every loop over them runs in id order.
public struct PerpMarketID: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible
{
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public static func < (lhs: PerpMarketID, rhs: PerpMarketID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { "perp#\(rawValue)" }
}

/// A trading account (dYdX's *subaccount*): one owner, one collateral balance, its
/// positions. An owner may hold many, e.g. one cross account and one isolated account per
/// market, or two accounts to trade against each other (the Mango Markets attack).
///
/// Ids are dense and start at 0, which is always the exchange's backstop vault.
public struct PerpAccountID: RawRepresentable, Hashable, Comparable, Sendable,
    CustomStringConvertible
{
    public let rawValue: UInt32

    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: UInt32) {
        self.rawValue = rawValue
    }

    public static func < (lhs: PerpAccountID, rhs: PerpAccountID) -> Bool {
        lhs.rawValue < rhs.rawValue
    }

    public var description: String { String(rawValue) }
}

/// How an account's collateral backs its positions.
///
/// dYdX v4 models isolated margin the same way: an isolated position lives in its own
/// subaccount, whose collateral backs that one position and nothing else. So both modes
/// share one formula (equity = Q + Σ size·price against Σ requirements); isolation is the
/// rule that the account may only ever hold its one market.
public enum PerpMarginMode: Hashable, Sendable {
    /// Every position shares the account's collateral; a loss in one market eats the
    /// margin of all of them.
    case cross
    /// The account may only hold a position in this market: its loss stops at its own
    /// collateral.
    case isolated(PerpMarketID)

    /// The trace's spelling: `cross` or `isolated:perp#N`.
    public var traceName: String {
        switch self {
        case .cross: "cross"
        case .isolated(let market): "isolated:\(market)"
        }
    }
}

/// One open position of an account in one market.
public struct PerpPosition: Hashable, Sendable {
    public let market: PerpMarketID
    /// Signed size, 1e-9 base units: positive long, negative short, never zero (a closed
    /// position is removed).
    public internal(set) var size: Int128
    /// Cost basis, quantums, with the size's sign: what was paid for a long, minus what
    /// was received for a short. Reduced pro rata on a partial close. It only feeds the
    /// auto-deleveraging rank (profit in per cent of entry value); equity never reads it.
    public internal(set) var entryQuote: Int128
    /// The market's funding index (of this position's side) when funding was last settled.
    public internal(set) var fundingSnapshot: Int128
}

/// An account: owner, margin mode, quote balance and positions.
public struct PerpAccount: Hashable, Sendable {
    public let owner: Address
    public let mode: PerpMarginMode
    /// `Q` in dYdX's `equity = Q + Σ size·price`, quantums. Trades move quote here (a buy
    /// lowers it), so it goes negative when a long was bought on margin or unrealised
    /// profit was withdrawn.
    public internal(set) var quoteBalance: Int128
    /// Open positions, sorted by market id; at most one per market.
    public internal(set) var positions: [PerpPosition]

    /// The position in `market`, if any.
    public func position(in market: PerpMarketID) -> PerpPosition? {
        positions.first { $0.market == market }
    }

    /// Whether this account may hold a position in `market`.
    func mayHold(_ market: PerpMarketID) -> Bool {
        switch mode {
        case .cross: true
        case .isolated(let only): only == market
        }
    }
}

/// An account's standing at the current prices, quantums.
public struct PerpRisk: Hashable, Sendable {
    /// Total net collateral: `Q + Σ size·price`, minus funding owed and plus funding due
    /// (each rounded against the account).
    public var equity: Int128
    /// `Σ |size|·price·IMF_eff`, rounded up: what opening risk and withdrawing need.
    public var initialMargin: Int128
    /// `Σ |size|·price·MMF`, rounded up: below this the account can be liquidated.
    public var maintenanceMargin: Int128

    public init(equity: Int128, initialMargin: Int128, maintenanceMargin: Int128) {
        self.equity = equity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
    }

    /// Whether the account can be liquidated: `equity < maintenance margin`.
    public var isLiquidatable: Bool { equity < maintenanceMargin }
}
