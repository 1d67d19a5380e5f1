import CascadeCore

/// A user's position in the base currency (`GenericLogic.calculateUserAccountData`).
public struct AaveAccountData: Hashable, Sendable {
    /// Σ collateral balances × price / unit, 8 decimals; each term rounds down.
    public var totalCollateralBase: UInt256
    /// Σ debt balances × price / unit, 8 decimals; each term rounds down.
    public var totalDebtBase: UInt256
    /// The collateral-weighted LTV, bps, rounded down.
    public var ltvBps: UInt256
    /// The collateral-weighted liquidation threshold, bps, rounded down.
    public var liquidationThresholdBps: UInt256
    /// `wadDiv(percentMul(collateral, threshold), debt)`, WAD; `UInt256.max` without debt.
    public var healthFactor: UInt256

    /// Whether `liquidationCall` may act on this position (health factor below 1).
    public var isLiquidatable: Bool {
        healthFactor < AavePool.healthFactorLiquidationThreshold
    }
}

extension AavePool {
    /// `user`'s position at `timestamp`, every index read as it would be at that time.
    public func accountData(of user: Address, at timestamp: UInt64) -> AaveAccountData {
        accountData(of: user, at: timestamp, replacingCollateral: nil)
    }

    /// `user`'s position at `timestamp` had the oracle answered `prices` (one per reserve,
    /// base currency with 8 decimals) instead of the pool's stored prices: the same
    /// arithmetic, for an agent asking "unsafe at the market price?".
    public func accountData(of user: Address, at timestamp: UInt64, prices: [UInt256])
        -> AaveAccountData
    {
        precondition(prices.count == reserves.count, "one price per reserve")
        return accountData(of: user, at: timestamp, replacingCollateral: nil, prices: prices)
    }

    /// The health factor of `user` at `timestamp`, WAD.
    public func healthFactor(of user: Address, at timestamp: UInt64) -> UInt256 {
        accountData(of: user, at: timestamp).healthFactor
    }

    /// `user`'s position, with its scaled aTokens of one reserve replaced by a value the
    /// running call is about to store (a withdrawal's check of the health factor after).
    func accountData(
        of user: Address, at timestamp: UInt64,
        replacingCollateral replacement: (asset: Int, scaled: UInt256)?,
        prices: [UInt256]? = nil
    ) -> AaveAccountData {
        var collateral = UInt256.zero
        var debt = UInt256.zero
        var weightedLtv = UInt256.zero
        var weightedThreshold = UInt256.zero
        for asset in reserves.indices {
            let reserve = reserves[asset]
            let terms = reserve.configuration
            var scaled = scaledCollateral(of: user, asset: asset)
            if let replacement, replacement.asset == asset { scaled = replacement.scaled }
            if !terms.liquidationThresholdBps.isZero && !scaled.isZero {
                let balance = rayMul(scaled, reserve.normalizedIncome(at: timestamp))
                let value = balance * (prices?[asset] ?? reserve.price) / terms.unit
                collateral += value
                weightedLtv += value * terms.ltvBps
                weightedThreshold += value * terms.liquidationThresholdBps
            }
            let scaledDebt = scaledDebt(of: user, asset: asset)
            if !scaledDebt.isZero {
                let owed = rayMul(
                    scaledDebt,
                    reserve.normalizedDebt(at: timestamp, version: configuration.version))
                debt += owed * (prices?[asset] ?? reserve.price) / terms.unit
            }
        }
        let ltv = collateral.isZero ? UInt256.zero : weightedLtv / collateral
        let threshold = collateral.isZero ? UInt256.zero : weightedThreshold / collateral
        let health =
            debt.isZero ? UInt256.max : wadDiv(percentMul(collateral, threshold), debt)
        return AaveAccountData(
            totalCollateralBase: collateral, totalDebtBase: debt, ltvBps: ltv,
            liquidationThresholdBps: threshold, healthFactor: health)
    }
}
