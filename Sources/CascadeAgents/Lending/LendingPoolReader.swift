import CascadeChain
import CascadeContracts
import CascadeCore

/// Reads one lending pool of a `ProtocolState` as agents need it: each position as an
/// index key, the terms a `LendingLiquidationIndex` query needs, the pool's own
/// liquidation test, balances and prices. Aave and Compound behind one face, so the keeper
/// and the race ledger are written once.
///
/// **Prices.** Where a function takes `prices`, they are one per asset, WAD (USD per
/// whole token), used instead of the pool's oracle: "would this position be liquidatable
/// at the market price?". Aave's pool keeps 8-decimal prices (`⌊wad / 10^10⌋`);
/// Compound's anchored view keeps the WAD itself (each market's oracle asset is its own
/// index in a lending world).
///
/// **Keys.** Aave: the scaled aToken balance of the collateral reserve and the scaled
/// variable debt of the debt reserve, so interest (the indexes) stays out of the key as
/// Maker's `rate` does. Compound: the cToken balance, and the borrow principal
/// normalised to a borrow index of 1, `⌊principal · 10^36 / interestIndex⌋`.
///
/// **Reads in place.** The readers of one position (`key`, `isLiquidatable`, `debt`,
/// `collateral`) reach the pool as `state.compoundComptrollers[pool]` (or `aavePools`) at
/// each use instead of binding it to a local: a local is a copy of the whole pool, its
/// tables retained and released, and the race ledger reads every open race's account at
/// every block (3.6% of a run with thousands of races open). `terms`, once per pair and
/// block, keeps its locals.
public struct LendingPoolReader: Hashable, Sendable {
    public let kind: LendingPoolKind
    /// The pool's index in `ProtocolState.aavePools` or `.compoundComptrollers`.
    public let pool: Int

    public init(kind: LendingPoolKind, pool: Int) {
        self.kind = kind
        self.pool = pool
    }

    static let normalisedScale = UInt256.powerOfTen(36)

    /// Value units per US dollar in `LendingPairTerms`: Aave's base currency has 8
    /// decimals, Compound's values are WAD.
    public var valuePerDollar: Double {
        switch kind {
        case .aave: 1e8
        case .compound: 1e18
        }
    }

    /// The largest share of a debt one liquidation may repay (v3 and v3.3 at or below a
    /// health factor of 0.95: all of it).
    public func maximumCloseFactor(_ state: ProtocolState) -> Double {
        switch kind {
        case .aave(.v2): 0.5
        case .aave: 1
        case .compound:
            state.compoundComptrollers[pool].configuration.closeFactor.approximateValue / 1e18
        }
    }

    /// Assets (reserves or markets) of the pool.
    public func assetCount(_ state: ProtocolState) -> Int {
        switch kind {
        case .aave: state.aavePools[pool].reserves.count
        case .compound: state.compoundComptrollers[pool].markets.count
        }
    }

    /// The token of asset `asset`.
    public func token(_ asset: Int, _ state: ProtocolState) -> TokenID {
        switch kind {
        case .aave: state.aavePools[pool].reserves[asset].configuration.token
        case .compound: state.compoundComptrollers[pool].markets[asset].configuration.underlying
        }
    }

    /// Decimals of asset `asset`'s token.
    public func decimals(_ asset: Int, _ state: ProtocolState) -> Int {
        switch kind {
        case .aave: state.aavePools[pool].reserves[asset].configuration.decimals
        case .compound:
            state.compoundComptrollers[pool].markets[asset].configuration.underlyingDecimals
        }
    }

    /// `account`'s index key in `pair`: collateral and debt units (see the type).
    public func key(of account: Address, _ pair: LendingPair, _ state: ProtocolState)
        -> (collateral: UInt256, debt: UInt256)
    {
        switch kind {
        case .aave:
            return (
                state.aavePools[pool].scaledCollateral(of: account, asset: pair.collateral),
                state.aavePools[pool].scaledDebt(of: account, asset: pair.debt)
            )
        case .compound:
            let snapshot = state.compoundComptrollers[pool].borrowSnapshot(
                of: account, market: pair.debt)
            let debt =
                snapshot.principal.isZero || snapshot.interestIndex.isZero
                ? UInt256.zero
                : UInt256.mulDiv(snapshot.principal, Self.normalisedScale, snapshot.interestIndex)
            return (
                state.compoundComptrollers[pool].tokens(of: account, market: pair.collateral),
                debt
            )
        }
    }

    /// The pair an account is indexed under: its largest collateral (by oracle value,
    /// among assets that count as collateral) and its largest debt; nil without either.
    /// Ties go to the lower asset index. A recursive farmer's pair may be in kind
    /// (collateral and debt the same asset): Compound liquidates in kind.
    public func pair(of account: Address, _ state: ProtocolState) -> LendingPair? {
        var best: (collateral: Int, value: Double)?
        var worst: (debt: Int, value: Double)?
        for asset in 0..<assetCount(state) {
            let price = oraclePrice(asset, state).approximateValue
            let key = self.key(of: account, LendingPair(collateral: asset, debt: asset), state)
            if counts(asset, state), !key.collateral.isZero {
                let value = key.collateral.approximateValue * price
                if value > (best?.value ?? -1) { best = (asset, value) }
            }
            if !key.debt.isZero {
                let value = key.debt.approximateValue * price
                if value > (worst?.value ?? -1) { worst = (asset, value) }
            }
        }
        guard let best, let worst else { return nil }
        return LendingPair(collateral: best.collateral, debt: worst.debt)
    }

    /// Whether asset `asset` counts as collateral (a non-zero threshold or factor).
    func counts(_ asset: Int, _ state: ProtocolState) -> Bool {
        switch kind {
        case .aave:
            !state.aavePools[pool].reserves[asset].configuration.liquidationThresholdBps.isZero
        case .compound:
            !state.compoundComptrollers[pool].markets[asset].configuration.collateralFactor
                .isZero
        }
    }

    /// The pool's oracle price of asset `asset` as WAD (USD per whole token).
    public func oraclePrice(_ asset: Int, _ state: ProtocolState) -> UInt256 {
        switch kind {
        case .aave: state.aavePools[pool].reserves[asset].price * UInt256.powerOfTen(10)
        case .compound:
            state.compoundComptrollers[pool].oracle.prices[
                state.compoundComptrollers[pool].markets[asset].configuration.oracleAsset]
        }
    }

    /// `wads` (one per asset) in the pool's own price unit.
    func poolPrices(_ wads: [UInt256]) -> [UInt256] {
        switch kind {
        case .aave: wads.map { max($0 / UInt256.powerOfTen(10), .one) }
        case .compound: wads
        }
    }

    /// The terms of a query of `pair` at `timestamp` (seconds), at the pool's prices or
    /// at `prices`; nil when the pool would refuse to price the pair (a zero price).
    public func terms(
        _ pair: LendingPair, _ state: ProtocolState, at timestamp: UInt64,
        prices: [UInt256]? = nil
    ) -> LendingPairTerms? {
        switch kind {
        case .aave(let version):
            let aave = state.aavePools[pool]
            let collateral = aave.reserves[pair.collateral]
            let debt = aave.reserves[pair.debt]
            let own = prices.map(poolPrices)
            let collateralPrice = (own?[pair.collateral] ?? collateral.price).approximateValue
            let debtPrice = (own?[pair.debt] ?? debt.price).approximateValue
            guard collateralPrice > 0, debtPrice > 0 else { return nil }
            let collateralUnit = UInt256.powerOfTen(collateral.configuration.decimals)
                .approximateValue
            let debtUnit = UInt256.powerOfTen(debt.configuration.decimals).approximateValue
            let threshold =
                collateral.configuration.liquidationThresholdBps.approximateValue / 10_000
            let income = collateral.normalizedIncome(at: timestamp).approximateValue / 1e27
            let growth =
                debt.normalizedDebt(at: timestamp, version: version).approximateValue / 1e27
            // |C − x| ≤ P_c/(2U_c) + 1.5 and D ≤ y + P_d/(2U_d) (rayMul rounds half up,
            // the base-currency value and percentMul round down): see LendingLiquidationIndex.
            return LendingPairTerms(
                collateralValue: income * collateralPrice / collateralUnit * threshold,
                debtValue: growth * debtPrice / debtUnit, relativeError: 0,
                absoluteError: collateralPrice / collateralUnit + debtPrice / debtUnit + 2)
        case .compound:
            let comptroller = state.compoundComptrollers[pool]
            let collateral = comptroller.markets[pair.collateral]
            let debt = comptroller.markets[pair.debt]
            let own = prices.map(poolPrices)
            guard
                let exchangeRate = try? comptroller.exchangeRateStored(
                    market: pair.collateral, ledger: state.ledger),
                let collateralPrice = try? comptroller.underlyingPrice(collateral, prices: own),
                let debtPrice = try? comptroller.underlyingPrice(debt, prices: own),
                !collateralPrice.isZero, !debtPrice.isZero
            else { return nil }
            let factorRate =
                collateral.configuration.collateralFactor.approximateValue
                * exchangeRate.approximateValue
            // tokensToDenom, T = ⌊⌊cf·er/1e18⌋·price/1e18⌋, against its real value T*.
            let perToken = factorRate / 1e18 * collateralPrice.approximateValue / 1e18
            let debtValue = debt.borrowIndex.approximateValue * debtPrice.approximateValue / 1e54
            // T truncates twice (relative error ≤ 1e18/(cf·er) + 1/T*), the sum once more
            // (≤ 1); the normalised principal is ⌊·⌋, so a borrow is at most one
            // `debtValue` of value above y.
            let relative =
                factorRate > 0 && perToken > 0 ? 1e18 / factorRate + 2 / perToken : 1
            guard relative < 0.25 else {
                return LendingPairTerms(
                    collateralValue: 0, debtValue: debtValue, relativeError: 0, absoluteError: 0)
            }
            return LendingPairTerms(
                collateralValue: perToken / 1e18, debtValue: debtValue,
                relativeError: relative, absoluteError: debtValue + 3)
        }
    }

    /// The pool's own test: whether `liquidationCall` / `liquidateBorrow` would accept
    /// `account` now — health factor below 1 (Aave) or a shortfall (Compound) — and it
    /// holds collateral of `pair` to seize. At `prices` instead of the oracle's if given.
    public func isLiquidatable(
        _ account: Address, _ pair: LendingPair, _ state: ProtocolState, at timestamp: UInt64,
        prices: [UInt256]? = nil
    ) -> Bool {
        switch kind {
        case .aave:
            guard
                !state.aavePools[pool].scaledCollateral(of: account, asset: pair.collateral)
                    .isZero
            else { return false }
            guard let prices else {
                return state.aavePools[pool].accountData(of: account, at: timestamp)
                    .isLiquidatable
            }
            return state.aavePools[pool].accountData(
                of: account, at: timestamp, prices: poolPrices(prices)
            ).isLiquidatable
        case .compound:
            guard
                !state.compoundComptrollers[pool].tokens(of: account, market: pair.collateral)
                    .isZero
            else { return false }
            let liquidity: CompoundComptroller.AccountLiquidity??
            if let prices {
                liquidity = try? state.compoundComptrollers[pool].accountLiquidity(
                    of: account, ledger: state.ledger, prices: poolPrices(prices))
            } else {
                liquidity = try? state.compoundComptrollers[pool].accountLiquidity(
                    of: account, ledger: state.ledger)
            }
            guard case .some(.some(let value)) = liquidity else { return false }
            return !value.shortfall.isZero
        }
    }

    /// Aave's health factor of `account` (WAD) or Compound's `Σ collateral / Σ borrows`
    /// (WAD), at the pool's prices; `UInt256.max` without debt.
    public func healthFactor(_ account: Address, _ state: ProtocolState, at timestamp: UInt64)
        -> UInt256
    {
        switch kind {
        case .aave:
            return state.aavePools[pool].healthFactor(of: account, at: timestamp)
        case .compound:
            guard
                let liquidity = try? state.compoundComptrollers[pool].accountLiquidity(
                    of: account, ledger: state.ledger),
                !liquidity.sumBorrowPlusEffects.isZero
            else { return .max }
            return UInt256.mulDiv(liquidity.sumCollateral, .wad, liquidity.sumBorrowPlusEffects)
        }
    }

    /// `account`'s debt of `asset` now, base units (Aave at `timestamp`; Compound stored).
    public func debt(of account: Address, asset: Int, _ state: ProtocolState, at timestamp: UInt64)
        -> UInt256
    {
        switch kind {
        case .aave:
            state.aavePools[pool].debtBalance(of: account, asset: asset, at: timestamp)
        case .compound:
            state.compoundComptrollers[pool].borrowBalanceStored(of: account, market: asset)
        }
    }

    /// `account`'s collateral of `asset`, underlying base units.
    public func collateral(
        of account: Address, asset: Int, _ state: ProtocolState, at timestamp: UInt64
    ) -> UInt256 {
        switch kind {
        case .aave:
            return state.aavePools[pool].collateralBalance(
                of: account, asset: asset, at: timestamp)
        case .compound:
            guard
                let rate = try? state.compoundComptrollers[pool].exchangeRateStored(
                    market: asset, ledger: state.ledger)
            else { return .zero }
            return UInt256.mulDiv(
                state.compoundComptrollers[pool].tokens(of: account, market: asset), rate, .wad)
        }
    }

    /// The liquidation bonus a liquidator gets on collateral `asset`, as a fraction above
    /// 1 (0.045 for Aave's 10450).
    public func bonus(collateral asset: Int, _ state: ProtocolState) -> Double {
        switch kind {
        case .aave:
            state.aavePools[pool].reserves[asset].configuration.liquidationBonusBps
                .approximateValue / 10_000 - 1
        case .compound:
            state.compoundComptrollers[pool].configuration.liquidationIncentive
                .approximateValue / 1e18 - 1
        }
    }
}

/// What a `LendingLiquidationIndex` query of one (collateral, debt) pair needs to know
/// of the pool at one moment, in the pool's value units (Aave: base currency with 8
/// decimals; Compound: USD WAD).
///
/// For a position keyed `(c, d)` the exact real values are `x = c · collateralValue` (the
/// collateral, weighted by its threshold or factor) and `y = d · debtValue`; the pool's
/// own integer arithmetic computes `C` and `D` with `C ≥ x(1 − ρ) − E` and
/// `D ≤ y(1 + ρ) + E`, ρ = `relativeError`, E = `absoluteError`, and liquidates only if
/// `C < D`. Those bounds are what make the index's stopping rule exact.
public struct LendingPairTerms: Hashable, Sendable {
    public var collateralValue: Double
    public var debtValue: Double
    public var relativeError: Double
    public var absoluteError: Double

    public init(
        collateralValue: Double, debtValue: Double, relativeError: Double, absoluteError: Double
    ) {
        self.collateralValue = collateralValue
        self.debtValue = debtValue
        self.relativeError = relativeError
        self.absoluteError = absoluteError
    }
}
