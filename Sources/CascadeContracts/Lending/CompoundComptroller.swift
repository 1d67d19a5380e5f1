import CascadeCore

/// Compound v2's Comptroller and its cTokens as one value, with exact integer math:
/// markets with exchange rates and borrow indexes, account liquidity, and
/// `liquidateBorrow` with the 2.8% protocol seize share.
///
/// Follows compound-finance/compound-protocol (`Comptroller.sol`, `CToken.sol`,
/// `JumpRateModel.sol`, `ExponentialNoError.sol`; REFERENCE.md §4). Every `Exp` step
/// truncates as there: `mul_(Exp, Exp) = a·b / 1e18`, `div_(Exp, Exp) = a·1e18 / b`,
/// `mul_ScalarTruncate(Exp, n) = a·n / 1e18`. See docs/model/lending.md.
///
/// Why one value: on chain a liquidation crosses three contracts (the borrowed cToken, the
/// Comptroller, the collateral cToken) in one transaction; keeping them together makes the
/// call atomic without references between values, as `MakerSystem` does for dss.
///
/// **Balances.** cToken balances and borrow snapshots (`principal`, `interestIndex`) are
/// per market and address; a borrower owes `principal · borrowIndex / interestIndex`. Each
/// market's cash is its cToken address's balance of the underlying in the ledger, read at
/// every call, as `getCashPrior()` reads `balanceOf(this)`.
///
/// **Prices** come from `oracle`, an `AnchoredPriceView` (Compound's 2020 oracle): a WAD
/// price per whole token, which `underlyingPrice` scales to Compound's mantissa,
/// `price · 1e18 / 10^decimals`. Oracle posts reach it through `.oracle(...)` calls. An
/// asset never accepted reads 0, so the Comptroller answers `PRICE_ERROR`.
///
/// **Time** is `block.number`: interest accrues per block, as in Compound v2.
///
/// Complexity: every call is O(markets) (liquidity reads each entered market); at most 64
/// markets (membership is a bit set).
public struct CompoundComptroller: LendingProtocol {
    /// Comptroller-wide risk settings (governance: `_setCloseFactor`,
    /// `_setLiquidationIncentive`). Configuration, not protocol constants.
    public struct Configuration: Hashable, Sendable {
        /// WAD: the largest share of a borrow one liquidation may repay (0.5e18).
        public var closeFactor: UInt256
        /// WAD: collateral value seized per unit of debt value repaid (1.08e18).
        public var liquidationIncentive: UInt256

        public init(closeFactor: UInt256, liquidationIncentive: UInt256) {
            self.closeFactor = closeFactor
            self.liquidationIncentive = liquidationIncentive
        }
    }

    /// `JumpRateModel`: per-block borrow rate `base + utilisation · multiplier` up to
    /// `kink`, and `jumpMultiplier` per unit of utilisation above it. WAD per block.
    public struct InterestRateModel: Hashable, Sendable {
        public var baseRatePerBlock: UInt256
        public var multiplierPerBlock: UInt256
        public var jumpMultiplierPerBlock: UInt256
        public var kink: UInt256

        public init(
            baseRatePerBlock: UInt256, multiplierPerBlock: UInt256,
            jumpMultiplierPerBlock: UInt256 = .zero, kink: UInt256 = .max
        ) {
            self.baseRatePerBlock = baseRatePerBlock
            self.multiplierPerBlock = multiplierPerBlock
            self.jumpMultiplierPerBlock = jumpMultiplierPerBlock
            self.kink = kink
        }

        /// A fixed rate per block whatever the utilisation (the scenarios' `borrowRate`).
        public static func fixed(_ ratePerBlock: UInt256) -> InterestRateModel {
            InterestRateModel(baseRatePerBlock: ratePerBlock, multiplierPerBlock: .zero)
        }
    }

    /// A market's parameters.
    public struct MarketConfiguration: Hashable, Sendable {
        public var underlying: TokenID
        /// The cToken's address: holds the market's cash in the ledger.
        public var cToken: Address
        public var underlyingDecimals: Int
        /// WAD, at most 0.9e18 (`collateralFactorMaxMantissa`).
        public var collateralFactor: UInt256
        /// WAD: the share of interest kept as reserves.
        public var reserveFactor: UInt256
        /// WAD: underlying per cToken while the supply is zero (`initialExchangeRateMantissa`).
        public var initialExchangeRate: UInt256
        public var interestRateModel: InterestRateModel
        /// The asset index of this market's underlying in `oracle`.
        public var oracleAsset: Int

        public init(
            underlying: TokenID, cToken: Address, underlyingDecimals: Int,
            collateralFactor: UInt256, reserveFactor: UInt256, initialExchangeRate: UInt256,
            interestRateModel: InterestRateModel, oracleAsset: Int
        ) {
            self.underlying = underlying
            self.cToken = cToken
            self.underlyingDecimals = underlyingDecimals
            self.collateralFactor = collateralFactor
            self.reserveFactor = reserveFactor
            self.initialExchangeRate = initialExchangeRate
            self.interestRateModel = interestRateModel
            self.oracleAsset = oracleAsset
        }
    }

    /// One cToken's state, without the per-account balances.
    public struct Market: Hashable, Sendable {
        public internal(set) var configuration: MarketConfiguration
        /// cTokens in existence.
        public internal(set) var totalSupply: UInt256 = .zero
        /// Underlying owed by all borrowers, with interest to `accrualBlockNumber`.
        public internal(set) var totalBorrows: UInt256 = .zero
        /// Underlying set aside for the protocol.
        public internal(set) var totalReserves: UInt256 = .zero
        /// WAD: accumulated interest since listing (starts at 1e18).
        public internal(set) var borrowIndex: UInt256 = .wad
        public internal(set) var accrualBlockNumber: UInt64
    }

    /// An account's borrow in one market: `principal` as of `interestIndex`.
    public struct BorrowSnapshot: Hashable, Sendable {
        public var principal: UInt256
        public var interestIndex: UInt256

        public init(principal: UInt256, interestIndex: UInt256) {
            self.principal = principal
            self.interestIndex = interestIndex
        }
    }

    /// An account's `getAccountLiquidity`, with the sums behind it (USD mantissa, 1e18).
    public struct AccountLiquidity: Hashable, Sendable {
        /// Σ collateralFactor · exchangeRate · price · cTokens over entered markets.
        public var sumCollateral: UInt256
        /// Σ price · borrow over entered markets, plus a hypothetical redeem or borrow.
        public var sumBorrowPlusEffects: UInt256

        /// Collateral left over the borrows (0 when in shortfall).
        public var liquidity: UInt256 {
            sumCollateral > sumBorrowPlusEffects ? sumCollateral - sumBorrowPlusEffects : .zero
        }

        /// Borrows over the collateral (0 when solvent): liquidatable when non-zero.
        public var shortfall: UInt256 {
            sumCollateral > sumBorrowPlusEffects ? .zero : sumBorrowPlusEffects - sumCollateral
        }
    }

    /// 2.8e16: the share of seized cTokens kept by the protocol (`protocolSeizeShareMantissa`).
    public static let protocolSeizeShare: UInt256 = 28_000_000_000_000_000
    /// 0.0005e16: the highest borrow rate per block `accrueInterest` accepts.
    public static let borrowRateMax: UInt256 = 5_000_000_000_000
    /// 0.9e18: the highest collateral factor `_setCollateralFactor` accepts.
    public static let collateralFactorMax: UInt256 = 900_000_000_000_000_000

    public internal(set) var configuration: Configuration
    /// The price source every market reads (Compound's `oracle`).
    public internal(set) var oracle: AnchoredPriceView
    /// Every listed market, by index (the index `addMarket` returned).
    public internal(set) var markets: [Market] = []
    /// cToken balances, by market then address.
    var accountTokens: [DenseTable<UInt256>] = []
    /// Borrow snapshots, by market then address.
    var accountBorrows: [DenseTable<BorrowSnapshot>] = []
    /// The markets each account entered, as a bit set by market index.
    var memberships = DenseTable<UInt64>()

    public init(configuration: Configuration, oracle: AnchoredPriceView) {
        self.configuration = configuration
        self.oracle = oracle
    }

    // MARK: - Setup (governance)

    /// Lists a market (`_supportMarket` plus the cToken's `initialize`), accruing from
    /// `block`; returns its index.
    ///
    /// Preconditions: at most 64 markets; collateral factor at most 0.9e18; reserve factor
    /// at most 1e18; a positive initial exchange rate; a unique cToken address; decimals at
    /// most 36; an oracle asset the view knows.
    public mutating func addMarket(_ market: MarketConfiguration, atBlock block: UInt64) -> Int {
        precondition(markets.count < 64, "at most 64 markets")
        precondition(market.collateralFactor <= Self.collateralFactorMax, "collateral factor")
        precondition(market.reserveFactor <= .wad, "reserve factor above 1e18")
        precondition(!market.initialExchangeRate.isZero, "initial exchange rate is zero")
        precondition(!markets.contains { $0.configuration.cToken == market.cToken })
        precondition((0...36).contains(market.underlyingDecimals), "decimals outside 0...36")
        precondition(oracle.prices.indices.contains(market.oracleAsset), "unknown oracle asset")
        markets.append(Market(configuration: market, accrualBlockNumber: block))
        accountTokens.append(DenseTable())
        accountBorrows.append(DenseTable())
        return markets.count - 1
    }

    /// Changes the close factor and liquidation incentive (governance).
    public mutating func setConfiguration(_ configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - Reading

    /// The market with index `index`.
    public func market(_ index: Int) -> Market {
        markets[index]
    }

    /// `account`'s cTokens in `market`.
    public func tokens(of account: Address, market: Int) -> UInt256 {
        accountTokens[market][Int(account.rawValue)] ?? .zero
    }

    /// `account`'s borrow snapshot in `market`.
    public func borrowSnapshot(of account: Address, market: Int) -> BorrowSnapshot {
        accountBorrows[market][Int(account.rawValue)] ?? .zeroValue
    }

    /// `borrowBalanceStored`: the borrow with interest to the market's last accrual.
    public func borrowBalanceStored(of account: Address, market: Int) -> UInt256 {
        markets[market].borrowBalance(borrowSnapshot(of: account, market: market))
    }

    /// `exchangeRateStored`, WAD (underlying per cToken, scaled by 1e18).
    public func exchangeRateStored(market: Int, ledger: TokenLedger) throws(Revert) -> UInt256 {
        try markets[market].exchangeRate(cash: cash(of: markets[market], in: ledger))
    }

    /// Whether `account` entered `market` (`checkMembership`).
    public func isMember(_ account: Address, market: Int) -> Bool {
        (memberships[Int(account.rawValue)] ?? 0) & (1 << UInt64(market)) != 0
    }

    /// The entered markets of `account`, ascending.
    public func enteredMarkets(of account: Address) -> [Int] {
        markets.indices.filter { isMember(account, market: $0) }
    }

    /// `getAccountLiquidity` with the markets as stored; nil on `PRICE_ERROR`.
    public func accountLiquidity(of account: Address, ledger: TokenLedger) throws(Revert)
        -> AccountLiquidity?
    {
        try hypotheticalLiquidity(of: account, markets: markets, ledger: ledger, change: nil)
    }

    /// `accountLiquidity` had the oracle's view held `prices` (WAD per whole token, by
    /// oracle asset) instead of its accepted prices: for an agent asking "in shortfall at
    /// the market price?".
    public func accountLiquidity(of account: Address, ledger: TokenLedger, prices: [UInt256])
        throws(Revert) -> AccountLiquidity?
    {
        precondition(prices.count == oracle.prices.count, "one price per oracle asset")
        return try hypotheticalLiquidity(
            of: account, markets: markets, ledger: ledger, change: nil, prices: prices)
    }

    /// Every address with a non-zero borrow principal in some market, ascending.
    public var borrowers: [Address] { addressesWithEntries(in: accountBorrows) }

    /// Borrowers with no cTokens in any entered market: debt nothing can be seized for.
    public var accountsWithBadDebt: [Address] {
        borrowers.filter { account in
            enteredMarkets(of: account).allSatisfy { tokens(of: account, market: $0).isZero }
        }
    }

    /// The market's cash: its cToken's balance of the underlying (`getCashPrior`).
    func cash(of market: Market, in ledger: TokenLedger) -> UInt256 {
        ledger.amount(of: market.configuration.underlying, market.configuration.cToken)
    }
}

extension CompoundComptroller.BorrowSnapshot: TableValue {
    static var zeroValue: CompoundComptroller.BorrowSnapshot {
        CompoundComptroller.BorrowSnapshot(principal: .zero, interestIndex: .zero)
    }
}

extension UInt64: TableValue {
    static var zeroValue: UInt64 { 0 }
}
