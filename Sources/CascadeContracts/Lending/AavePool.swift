import CascadeCore

/// An Aave lending pool with exact integer math: reserves, suppliers' aTokens and
/// borrowers' variable debt as scaled balances, interest by index, and `liquidationCall`
/// under the rules of Aave v2, v3.0–3.2 or v3.3 (`Version`), chosen per pool.
///
/// Follows aave/protocol-v2, aave/aave-v3-core and aave-dao/aave-v3-origin (REFERENCE.md §3):
/// the health factor, close factor, collateral-to-seize and protocol-fee formulas are
/// Aave's, with Aave's rounding (WadRayMath and PercentageMath round half up; conversions
/// to the base currency and the price ratios round down). See docs/model/lending.md.
///
/// **Balances.** A supplier holds `scaled = amount.rayDiv(liquidityIndex)` aTokens; its
/// balance is `scaled.rayMul(index)` and grows as the index does. Variable debt is the same
/// with `variableBorrowIndex`. The underlying sits in the ledger at the reserve's `aToken`
/// address. The treasury's share of interest (the reserve factor) accrues as scaled
/// aTokens in `Reserve.accruedToTreasury`, as in v3.
///
/// **Prices** are the oracle's answers in the base currency with 8 decimals (USD, as Aave
/// v3's `AaveOracle`); the pool keeps one per reserve and only `configuration.oracle` may
/// change it (`.setAssetPrice`), as a Chainlink feed's transmitter would.
///
/// **Collateral.** Every supplied reserve with a non-zero liquidation threshold counts as
/// collateral; there is no per-user switch (Aave's `setUserUseReserveAsCollateral`).
///
/// ```swift
/// var pool = AavePool(configuration: .init(version: .v3, treasury: t, oracle: o))
/// let weth = pool.addReserve(wethConfig, price: 2_000 * 100_000_000, at: 0)
/// try pool.apply(.supply(asset: weth, amount: 10 * .wad), caller: alice, block: block,
///                ledger: &ledger, events: &events)
/// ```
///
/// Complexity: supply and repay are O(1); withdraw, borrow and a liquidation are
/// O(reserves) (the health factor reads every reserve of the user); `accountsWithBadDebt`
/// is O(reserves × accounts).
public struct AavePool: LendingProtocol {
    /// Whose liquidation rules apply (REFERENCE.md §3.2, §3.3).
    public enum Version: String, Hashable, Sendable, CaseIterable {
        /// Close factor always 50%; the bonus is applied before dividing by the collateral
        /// price; no protocol fee.
        case v2
        /// Close factor 50% above a health factor of 0.95, 100% at or below it; bonus
        /// applied after the division; protocol fee on the bonus.
        case v3
        /// v3 plus the $2,000 full-liquidation threshold, the $1,000 leftover rule
        /// (`MUST_NOT_LEAVE_DUST`) and deficit booking when no collateral remains.
        case v3dot3 = "v3.3"

        /// The trace's `protocol` value.
        public var protocolName: String { "aave-\(rawValue)" }
    }

    /// Pool-wide settings.
    public struct Configuration: Hashable, Sendable {
        public var version: Version
        /// Receives the liquidation protocol fee and the reserve factor's share of interest.
        public var treasury: Address
        /// The only caller whose `.setAssetPrice` counts.
        public var oracle: Address
        /// A flash loan's premium, basis points of the amount (v2's
        /// `FLASHLOAN_PREMIUM_TOTAL`, 9 = 0.09%), paid to the reserve's suppliers.
        public var flashLoanPremiumBps: UInt256

        public init(
            version: Version, treasury: Address, oracle: Address,
            flashLoanPremiumBps: UInt256 = 9
        ) {
            self.version = version
            self.treasury = treasury
            self.oracle = oracle
            self.flashLoanPremiumBps = flashLoanPremiumBps
        }
    }

    /// A reserve's parameters (Aave's `ReserveConfigurationMap` and rate strategy). Shares
    /// are in basis points of 10,000.
    public struct ReserveConfiguration: Hashable, Sendable {
        /// The underlying ERC-20.
        public var token: TokenID
        /// The aToken contract's address: holds the reserve's underlying in the ledger.
        public var aToken: Address
        /// The underlying's decimals (a unit is `10^decimals` base units).
        public var decimals: Int
        /// Most a user may borrow against this collateral (7500 = 75%).
        public var ltvBps: UInt256
        /// Collateral weight in the health factor (8250 = 82.5%); 0 means "not collateral".
        public var liquidationThresholdBps: UInt256
        /// Collateral paid per unit of debt repaid (10500 = +5% bonus).
        public var liquidationBonusBps: UInt256
        /// The protocol's share of the bonus (1000 = 10%); v2 ignores it.
        public var liquidationProtocolFeeBps: UInt256
        /// The treasury's share of borrowers' interest (1000 = 10%).
        public var reserveFactorBps: UInt256
        public var interestRates: AaveInterestRateStrategy

        public init(
            token: TokenID, aToken: Address, decimals: Int, ltvBps: UInt256,
            liquidationThresholdBps: UInt256, liquidationBonusBps: UInt256,
            liquidationProtocolFeeBps: UInt256 = .zero, reserveFactorBps: UInt256 = .zero,
            interestRates: AaveInterestRateStrategy = .zero
        ) {
            self.token = token
            self.aToken = aToken
            self.decimals = decimals
            self.ltvBps = ltvBps
            self.liquidationThresholdBps = liquidationThresholdBps
            self.liquidationBonusBps = liquidationBonusBps
            self.liquidationProtocolFeeBps = liquidationProtocolFeeBps
            self.reserveFactorBps = reserveFactorBps
            self.interestRates = interestRates
        }

        /// `10^decimals`: one whole token in base units.
        var unit: UInt256 { UInt256.powerOfTen(decimals) }
    }

    /// One reserve's state (Aave's `ReserveData`), without the per-user balances.
    public struct Reserve: Hashable, Sendable {
        public internal(set) var configuration: ReserveConfiguration
        /// The oracle's price of one whole token, base currency with 8 decimals.
        public internal(set) var price: UInt256
        /// RAY; suppliers' balances are `scaled.rayMul(liquidityIndex)`.
        public internal(set) var liquidityIndex: UInt256 = .ray
        /// RAY; borrowers' debts are `scaled.rayMul(variableBorrowIndex)`.
        public internal(set) var variableBorrowIndex: UInt256 = .ray
        /// RAY per year, linear: what suppliers earn until the next update.
        public internal(set) var currentLiquidityRate: UInt256 = .zero
        /// RAY per year, compounded per second: what borrowers pay until the next update.
        public internal(set) var currentVariableBorrowRate: UInt256 = .zero
        /// Seconds: when the indexes were last brought up to date.
        public internal(set) var lastUpdateTimestamp: UInt64
        /// The sum of every account's scaled aTokens.
        public internal(set) var scaledSupply: UInt256 = .zero
        /// The sum of every account's scaled variable debt.
        public internal(set) var scaledVariableDebt: UInt256 = .zero
        /// Scaled aTokens owed to the treasury from the reserve factor, not yet minted.
        public internal(set) var accruedToTreasury: UInt256 = .zero
        /// Debt burned with no collateral left to cover it (v3.3 `deficit`), base units.
        public internal(set) var deficit: UInt256 = .zero
    }

    public internal(set) var configuration: Configuration
    /// Every reserve, by id (the index `addReserve` returned).
    public internal(set) var reserves: [Reserve] = []
    /// Flash loans lent in the running transaction, repaid when it ends
    /// (`settleFlashLoans`); empty between transactions.
    public internal(set) var pendingFlashLoans: [FlashLoan] = []
    /// Scaled aToken balances, by reserve then address.
    var scaledCollateral: [DenseTable<UInt256>] = []
    /// Scaled variable-debt balances, by reserve then address.
    var scaledDebt: [DenseTable<UInt256>] = []

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    // MARK: - Constants (LiquidationLogic, ValidationLogic)

    /// 0.5e4: the close factor above `closeFactorHealthFactorThreshold` (v2: always).
    public static let defaultLiquidationCloseFactorBps: UInt256 = 5_000
    /// 1e4: the close factor at or below `closeFactorHealthFactorThreshold` (v3).
    public static let maxLiquidationCloseFactorBps: UInt256 = 10_000
    /// 0.95e18: at or below this health factor the whole debt may be liquidated (v3).
    public static let closeFactorHealthFactorThreshold: UInt256 = 950_000_000_000_000_000
    /// 1e18: a position is liquidatable below this health factor.
    public static let healthFactorLiquidationThreshold: UInt256 = .wad
    /// 2000e8: below this much collateral or debt in a reserve, v3.3 liquidates it whole.
    public static let minBaseMaxCloseFactorThreshold: UInt256 = 200_000_000_000
    /// 1000e8: the least collateral and debt a partial v3.3 liquidation may leave.
    public static let minLeftoverBase: UInt256 = 100_000_000_000
    /// Prices at or above 2^96 are refused, so amount × price never overflows 256 bits.
    public static let priceLimit: UInt256 = .one << 96

    // MARK: - Setup (governance)

    /// Lists a reserve with its first oracle price (8 decimals, > 0); returns its id.
    ///
    /// Preconditions, as Aave's `PoolConfigurator` enforces them: `ltv ≤ threshold`; a
    /// collateral's bonus is above 100% and `threshold × bonus ≤ 100%`; fee and reserve
    /// factor at most 100%; the aToken address unique; decimals at most 36.
    public mutating func addReserve(
        _ reserve: ReserveConfiguration, price: UInt256, at timestamp: UInt64
    ) -> Int {
        let hundredPercent = UInt256.percentageFactor
        precondition(reserve.ltvBps <= reserve.liquidationThresholdBps, "LTV above threshold")
        if !reserve.liquidationThresholdBps.isZero {
            precondition(reserve.liquidationBonusBps > hundredPercent, "bonus must exceed 100%")
            precondition(
                percentMul(reserve.liquidationThresholdBps, reserve.liquidationBonusBps)
                    <= hundredPercent, "threshold × bonus above 100%")
        }
        precondition(reserve.liquidationProtocolFeeBps <= hundredPercent, "fee above 100%")
        precondition(reserve.reserveFactorBps <= hundredPercent, "reserve factor above 100%")
        precondition((0...36).contains(reserve.decimals), "decimals outside 0...36")
        precondition(
            !reserves.contains { $0.configuration.aToken == reserve.aToken },
            "aToken address already used")
        precondition(!price.isZero && price < Self.priceLimit, "price outside (0, 2^96)")
        reserve.interestRates.validate()
        reserves.append(
            Reserve(configuration: reserve, price: price, lastUpdateTimestamp: timestamp))
        scaledCollateral.append(DenseTable())
        scaledDebt.append(DenseTable())
        return reserves.count - 1
    }

    // MARK: - Reading

    /// The reserve with id `asset`.
    public func reserve(_ asset: Int) -> Reserve {
        reserves[asset]
    }

    /// `user`'s scaled aTokens of `asset`.
    public func scaledCollateral(of user: Address, asset: Int) -> UInt256 {
        scaledCollateral[asset][Int(user.rawValue)] ?? .zero
    }

    /// `user`'s scaled variable debt of `asset`.
    public func scaledDebt(of user: Address, asset: Int) -> UInt256 {
        scaledDebt[asset][Int(user.rawValue)] ?? .zero
    }

    /// `user`'s aToken balance of `asset` at `timestamp` (`balanceOf`), base units.
    public func collateralBalance(of user: Address, asset: Int, at timestamp: UInt64) -> UInt256 {
        rayMul(
            scaledCollateral(of: user, asset: asset),
            reserves[asset].normalizedIncome(at: timestamp))
    }

    /// `user`'s variable debt of `asset` at `timestamp` (`balanceOf`), base units.
    public func debtBalance(of user: Address, asset: Int, at timestamp: UInt64) -> UInt256 {
        rayMul(
            scaledDebt(of: user, asset: asset),
            reserves[asset].normalizedDebt(at: timestamp, version: configuration.version))
    }

    /// The treasury's claim on `asset` at `timestamp`: its aTokens (liquidation fees) plus
    /// the reserve factor's accrued share.
    public func treasuryBalance(asset: Int, at timestamp: UInt64) -> UInt256 {
        let scaled = scaledCollateral(of: configuration.treasury, asset: asset)
        return rayMul(
            scaled + reserves[asset].accruedToTreasury,
            reserves[asset].normalizedIncome(at: timestamp))
    }

    /// Every address with a non-zero scaled debt in some reserve, ascending.
    public var borrowers: [Address] { addressesWithEntries(in: scaledDebt) }

    /// Accounts with debt and no collateral left (no aTokens in any reserve that counts as
    /// collateral), ascending: the bad debt the pool carries. v3.3 burns such debt into
    /// `Reserve.deficit` at the liquidation that takes the last collateral, so under v3.3
    /// the list is empty unless collateral of zero value was left behind.
    public var accountsWithBadDebt: [Address] {
        borrowers.filter { user in
            reserves.indices.allSatisfy { asset in
                reserves[asset].configuration.liquidationThresholdBps.isZero
                    || scaledCollateral(of: user, asset: asset).isZero
            }
        }
    }

    /// The debt of `asset` owed by `accountsWithBadDebt` at `timestamp`, base units.
    public func badDebt(asset: Int, at timestamp: UInt64) -> UInt256 {
        var total = UInt256.zero
        for user in accountsWithBadDebt {
            total += debtBalance(of: user, asset: asset, at: timestamp)
        }
        return total
    }

    // MARK: - Writing balances

    // The tables only: each call computes the reserve's new totals on its own copy of the
    // reserve (the interest rates depend on them) and stores that copy.

    /// Adds `delta` to `user`'s scaled aTokens of `asset`.
    mutating func addCollateral(_ delta: UInt256, to user: Address, asset: Int) {
        let index = Int(user.rawValue)
        scaledCollateral[asset][index] = (scaledCollateral[asset][index] ?? .zero) + delta
    }

    /// Removes `delta` from `user`'s scaled aTokens of `asset`; the caller has checked that
    /// the balance covers it.
    mutating func removeCollateral(_ delta: UInt256, from user: Address, asset: Int) {
        let index = Int(user.rawValue)
        scaledCollateral[asset][index] = (scaledCollateral[asset][index] ?? .zero) - delta
    }

    /// Adds `delta` to `user`'s scaled variable debt of `asset`.
    mutating func addDebt(_ delta: UInt256, to user: Address, asset: Int) {
        let index = Int(user.rawValue)
        scaledDebt[asset][index] = (scaledDebt[asset][index] ?? .zero) + delta
    }

    /// Removes `delta` from `user`'s scaled variable debt of `asset`; checked by the caller.
    mutating func removeDebt(_ delta: UInt256, from user: Address, asset: Int) {
        let index = Int(user.rawValue)
        scaledDebt[asset][index] = (scaledDebt[asset][index] ?? .zero) - delta
    }
}
