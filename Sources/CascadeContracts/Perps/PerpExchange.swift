import CascadeCore

/// A perpetual-futures exchange with USDC collateral: several markets, cross and isolated
/// accounts, funding, liquidation, a backstop vault, an insurance fund, auto-deleveraging
/// and socialised loss, in exact integer arithmetic.
///
/// It follows dYdX v4's books (equity `= Q + Σ size·price`, margin fractions, the
/// insurance fund), the funding formula of Binance and BitMEX with dYdX's optional cap,
/// BitMEX's deleveraging rank, the backstop vault of the venue that auto-deleveraged in
/// October 2025 (HISTORY.md §7), and Drift v2's socialised loss. Units are in `PerpMath`;
/// `docs/model/perpetuals.md` gives every formula and its source.
///
/// The exchange decides only what the chain can: prices, depth and matching live outside.
/// A venue (`configuration.matcher`) or an owner of both accounts fills trades at a price
/// it chooses; a liquidator fills a liquidation at a price it chooses; the oracle path
/// sets each market's price, funding premium and realised volatility. The contract checks
/// margin, caps and solvency, and moves the quote.
///
/// **When equity runs out**, in order:
/// 1. `liquidate`: below maintenance margin, a liquidator takes (part of) a position at
///    its fill price; a penalty goes to the insurance fund, or the fund covers the deficit.
/// 2. `backstop`: below `backstopThreshold × maintenance margin`, the backstop vault
///    (account 0) takes every position at the mark price with what margin is left; the
///    fund covers a deficit.
/// 3. `deleverage`: when the fund cannot cover an account's negative equity, its position
///    is closed against opposite positions ranked by profit and leverage, at the
///    bankruptcy price (or the mark, by configuration).
/// 4. Whatever deficit remains is charged to the market's open positions through the
///    funding indices (socialised loss), or recorded as `uncoveredLoss`.
///
/// ```swift
/// var exchange = PerpExchange(configuration: config)
/// let eth = exchange.addMarket(ethTerms, at: 0)
/// let alice = exchange.openAccount(owner: aliceAddress, mode: .cross)
/// try exchange.apply(.updatePrice(market: eth, price: 3_000_000_000), caller: oracle, ...)
/// try exchange.apply(.deposit(account: alice, amount: 1_000_000_000), caller: ..., ...)
/// ```
///
/// **Reverts** leave the value unchanged: each call journals the accounts it writes and
/// saves the (few) markets and totals, and restores them if anything throws.
///
/// Complexity: trades, funding payments and deposits are O(positions of the accounts
/// touched); `backstop` O(positions); `deleverage` O(accounts · log accounts) to rank;
/// `checkInvariants` O(accounts · positions).
public struct PerpExchange: Contract, Hashable, Sendable {
    /// Who may do what, and the rules of the last steps of the loss waterfall.
    public struct Configuration: Hashable, Sendable {
        /// The oracle path: the only caller of `updatePrice`, `setVolatility` and `fund`.
        public var oracle: Address
        /// The venue's matching engine: may fill a trade between any two accounts. An owner
        /// may always fill a trade between two accounts of its own.
        public var matcher: Address
        /// Owner of account 0, the backstop vault.
        public var backstopVault: Address
        /// The backstop may act when equity falls below this fraction of maintenance
        /// margin, ppm (666,667 ≈ two thirds, the rule of HISTORY.md §7).
        public var backstopThresholdPpm: Int128
        /// The price auto-deleveraging closes at.
        public var deleveragingPrice: DeleveragingPrice
        /// dYdX v4's fillable-price bound on liquidation fills (`fillablePrice`): the
        /// largest spread from the mark, as a fraction of the maintenance margin fraction,
        /// ppm (`SpreadToMaintenanceMarginRatioPpm`; 100,000 = 10% in dYdX's genesis).
        public var spreadToMaintenanceMarginRatioPpm: Int128
        /// How fast the allowed spread opens as equity falls below maintenance margin, ppm
        /// (`BankruptcyAdjustmentPpm`; 1,000,000 in dYdX's genesis: the whole spread at
        /// zero equity).
        public var bankruptcyAdjustmentPpm: Int128
        /// Whether unrealised profit backs withdrawals (`withdraw`): true is the Mango
        /// Markets v3 rule (an account may borrow its unrealised profit out of other
        /// depositors' USDC); false keeps the positive unrealised profit of every position
        /// out of the collateral a withdrawal is tested against (`withdrawableCollateral`),
        /// the rule venues adopted after October 2022. Trading and liquidation are unchanged.
        public var unrealisedProfitBacksWithdrawals: Bool

        public init(
            oracle: Address, matcher: Address, backstopVault: Address,
            backstopThresholdPpm: Int128 = 666_667,
            deleveragingPrice: DeleveragingPrice = .bankruptcy,
            spreadToMaintenanceMarginRatioPpm: Int128 = 100_000,
            bankruptcyAdjustmentPpm: Int128 = 1_000_000,
            unrealisedProfitBacksWithdrawals: Bool = true
        ) {
            self.oracle = oracle
            self.matcher = matcher
            self.backstopVault = backstopVault
            self.backstopThresholdPpm = backstopThresholdPpm
            self.deleveragingPrice = deleveragingPrice
            self.spreadToMaintenanceMarginRatioPpm = spreadToMaintenanceMarginRatioPpm
            self.bankruptcyAdjustmentPpm = bankruptcyAdjustmentPpm
            self.unrealisedProfitBacksWithdrawals = unrealisedProfitBacksWithdrawals
        }
    }

    /// Where auto-deleveraging closes a bankrupt position.
    public enum DeleveragingPrice: Hashable, Sendable {
        /// At the price where the bankrupt account's equity is zero (BitMEX): the
        /// counterparties give up some profit and the loss is gone.
        case bankruptcy
        /// At the mark price (HISTORY.md §7): counterparties lose nothing, the deficit
        /// stays and falls to the insurance fund and then to socialised loss.
        case mark
    }

    /// The backstop vault's account: always the first.
    public static let backstopVaultAccount = PerpAccountID(0)

    public internal(set) var configuration: Configuration
    /// Every market, indexed by `PerpMarketID.rawValue`.
    public internal(set) var markets: [PerpMarket] = []
    /// Every account, indexed by `PerpAccountID.rawValue`.
    var accounts: [PerpAccount] = []
    /// The insurance fund, quantums; never negative.
    public internal(set) var insuranceFund: Int128 = 0
    /// USDC the exchange holds: deposits and insurance top-ups minus withdrawals,
    /// quantums. Withdrawals cannot exceed it (the Mango Markets drain stopped there).
    public internal(set) var netDeposits: Int128 = 0
    /// Deficits nobody could be charged for, quantums: what the exchange owes beyond the
    /// USDC it holds.
    public internal(set) var uncoveredLoss: Int128 = 0
    /// Undo information of the running call (not state; see `AccountUndoLog`).
    var undo = AccountUndoLog()

    /// An exchange with no market, whose account 0 is the backstop vault (cross margin).
    public init(configuration: Configuration) {
        precondition(
            configuration.backstopThresholdPpm > 0
                && configuration.backstopThresholdPpm <= PerpMath.ppm,
            "backstop threshold must be in (0, 100%]")
        precondition(
            configuration.spreadToMaintenanceMarginRatioPpm >= 0
                && configuration.spreadToMaintenanceMarginRatioPpm <= 100 * PerpMath.ppm
                && configuration.bankruptcyAdjustmentPpm >= 0
                && configuration.bankruptcyAdjustmentPpm <= 100 * PerpMath.ppm,
            "fillable-price terms must be in [0, 10000%]")
        self.configuration = configuration
        _ = openAccount(owner: configuration.backstopVault, mode: .cross)
    }

    // MARK: - Setup (governance)

    /// Lists a market (governance), whose funding clock starts at `timestamp`; returns its
    /// id. Its price is 0 until the oracle's first `updatePrice`; nothing trades before.
    ///
    /// Preconditions: `0 < MMF < IMF ≤ 100%`, penalty ≤ 100%, a positive interval and
    /// open-interest cap, non-negative interest clamp and caps, `lowerCap < upperCap`.
    public mutating func addMarket(_ terms: PerpMarketTerms, at timestamp: UInt64) -> PerpMarketID {
        precondition(markets.count < Int(UInt16.max), "too many markets")
        precondition(
            terms.maintenanceMarginPpm > 0 && terms.maintenanceMarginPpm < terms.initialMarginPpm
                && terms.initialMarginPpm <= PerpMath.ppm,
            "need 0 < MMF < IMF ≤ 100%")
        precondition((0...PerpMath.ppm).contains(terms.liquidationPenaltyPpm))
        precondition(terms.openInterestCap > 0 && terms.funding.intervalSeconds > 0)
        precondition(terms.funding.premiumClampPpm >= 0 && (terms.funding.clampFactorPpm ?? 0) >= 0)
        if let scaling = terms.openInterestScaling {
            precondition(
                scaling.lowerCapQuantums >= 0
                    && scaling.lowerCapQuantums < scaling.upperCapQuantums)
        }
        precondition((terms.volatilityMultiplierPpm ?? 0) >= 0)
        markets.append(PerpMarket(terms: terms, openedAt: timestamp))
        return PerpMarketID(rawValue: UInt16(markets.count - 1))
    }

    /// Opens an account for `owner` and returns its id (also the `.openAccount` call).
    /// Precondition: an isolated account's market exists.
    public mutating func openAccount(owner: Address, mode: PerpMarginMode) -> PerpAccountID {
        if case .isolated(let market) = mode {
            precondition(Int(market.rawValue) < markets.count, "unknown market")
        }
        precondition(accounts.count < Int(UInt32.max), "too many accounts")
        accounts.append(PerpAccount(owner: owner, mode: mode, quoteBalance: 0, positions: []))
        return PerpAccountID(UInt32(accounts.count - 1))
    }

    // MARK: - Reading

    /// How many accounts exist (ids `0..<accountCount`).
    public var accountCount: Int { accounts.count }

    /// The account `id`. Its positions' funding may be unsettled: `risk(of:)` counts it.
    public func account(_ id: PerpAccountID) -> PerpAccount {
        accounts[Int(id.rawValue)]
    }

    /// The market `id`.
    public func market(_ id: PerpMarketID) -> PerpMarket {
        markets[Int(id.rawValue)]
    }

    /// Every market id, in order.
    public var marketIDs: [PerpMarketID] {
        markets.indices.map { PerpMarketID(rawValue: UInt16($0)) }
    }

    /// Accounts that can be liquidated now, in id order (for keepers; O(accounts)).
    public func liquidatableAccounts() throws(Revert) -> [PerpAccountID] {
        var found: [PerpAccountID] = []
        for index in accounts.indices where !accounts[index].positions.isEmpty {
            let id = PerpAccountID(UInt32(index))
            if try risk(of: id).isLiquidatable { found.append(id) }
        }
        return found
    }
}

/// The accounts a running call has overwritten, with their values before, so a revert can
/// restore them newest first (an account saved twice ends at its oldest value).
///
/// It is scratch, not state: equality and hashing ignore it, so two exchanges with the same
/// books compare equal whatever ran before. Between calls it is empty, and it keeps its
/// capacity so journaling allocates nothing in steady state.
struct AccountUndoLog: Hashable, Sendable {
    var entries: [(index: Int, account: PerpAccount)] = []

    static func == (lhs: AccountUndoLog, rhs: AccountUndoLog) -> Bool { true }

    func hash(into hasher: inout Hasher) {}
}
