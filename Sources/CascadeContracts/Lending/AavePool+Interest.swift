import CascadeCore

/// Aave's `DefaultReserveInterestRateStrategy` for variable-rate debt: a borrow rate that
/// rises linearly with utilisation up to `optimalUsageRatio`, then steeply.
///
/// All rates are RAY per year. With utilisation `U = debt / (cash + debt)`:
/// `rate = base + slope1 · U / optimal` up to the optimum, and
/// `base + slope1 + slope2 · (U − optimal) / (1 − optimal)` above it. Suppliers earn the
/// borrow rate times `U`, less the reserve factor.
public struct AaveInterestRateStrategy: Hashable, Sendable {
    /// RAY, strictly between 0 and 1 RAY (0.8 RAY = 80%).
    public var optimalUsageRatio: UInt256
    public var baseVariableBorrowRate: UInt256
    public var variableRateSlope1: UInt256
    public var variableRateSlope2: UInt256

    public init(
        optimalUsageRatio: UInt256, baseVariableBorrowRate: UInt256, variableRateSlope1: UInt256,
        variableRateSlope2: UInt256
    ) {
        self.optimalUsageRatio = optimalUsageRatio
        self.baseVariableBorrowRate = baseVariableBorrowRate
        self.variableRateSlope1 = variableRateSlope1
        self.variableRateSlope2 = variableRateSlope2
    }

    /// No interest at all: indexes stay at 1 RAY (tests that need constant balances).
    public static let zero = AaveInterestRateStrategy(
        optimalUsageRatio: .ray / 2, baseVariableBorrowRate: .zero, variableRateSlope1: .zero,
        variableRateSlope2: .zero)

    func validate() {
        precondition(
            !optimalUsageRatio.isZero && optimalUsageRatio < .ray,
            "optimal usage ratio outside (0, 1 RAY)")
    }

    /// The variable borrow rate at `usage` (RAY), as `calculateInterestRates`.
    func variableBorrowRate(usage: UInt256) -> UInt256 {
        if usage > optimalUsageRatio {
            let excess = rayDiv(usage - optimalUsageRatio, .ray - optimalUsageRatio)
            return baseVariableBorrowRate + variableRateSlope1 + rayMul(variableRateSlope2, excess)
        }
        return baseVariableBorrowRate + rayDiv(rayMul(variableRateSlope1, usage), optimalUsageRatio)
    }
}

extension AavePool {
    /// 365 days: Aave ignores leap years.
    static let secondsPerYear: UInt256 = 31_536_000

    /// `1 + rate · seconds / year` (MathUtils `calculateLinearInterest`), RAY; the division
    /// rounds down.
    static func linearInterest(rate: UInt256, seconds: UInt64) -> UInt256 {
        .ray + rate * UInt256(seconds) / secondsPerYear
    }

    /// `(1 + rate/year)^seconds` by the binomial expansion to the third term (MathUtils
    /// `calculateCompoundedInterest`), RAY.
    ///
    /// v2 divides the rate by the year first and multiplies the per-second rate by itself;
    /// v3 multiplies the annual rates and divides by the year after, which keeps more
    /// digits. Both slightly under-charge borrowers against true compounding, as Aave's.
    static func compoundedInterest(rate: UInt256, seconds: UInt64, version: Version) -> UInt256 {
        guard seconds > 0 else { return .ray }
        let exp = UInt256(seconds)
        let expMinusOne = exp - .one
        let expMinusTwo = seconds > 2 ? exp - 2 : .zero
        switch version {
        case .v2:
            let ratePerSecond = rate / secondsPerYear
            let basePowerTwo = rayMul(ratePerSecond, ratePerSecond)
            let basePowerThree = rayMul(basePowerTwo, ratePerSecond)
            let secondTerm = exp * expMinusOne * basePowerTwo / 2
            let thirdTerm = exp * expMinusOne * expMinusTwo * basePowerThree / 6
            return .ray + ratePerSecond * exp + secondTerm + thirdTerm
        case .v3, .v3dot3:
            let basePowerTwo = rayMul(rate, rate) / (secondsPerYear * secondsPerYear)
            let basePowerThree = rayMul(basePowerTwo, rate) / secondsPerYear
            let secondTerm = exp * expMinusOne * basePowerTwo / 2
            let thirdTerm = exp * expMinusOne * expMinusTwo * basePowerThree / 6
            return .ray + rate * exp / secondsPerYear + secondTerm + thirdTerm
        }
    }
}

extension AavePool.Reserve {
    /// Suppliers' index as it reads at `timestamp` without a write (`getNormalizedIncome`).
    public func normalizedIncome(at timestamp: UInt64) -> UInt256 {
        guard timestamp > lastUpdateTimestamp else { return liquidityIndex }
        let seconds = timestamp - lastUpdateTimestamp
        return rayMul(
            AavePool.linearInterest(rate: currentLiquidityRate, seconds: seconds), liquidityIndex)
    }

    /// Borrowers' index as it reads at `timestamp` without a write (`getNormalizedDebt`).
    public func normalizedDebt(at timestamp: UInt64, version: AavePool.Version) -> UInt256 {
        guard timestamp > lastUpdateTimestamp else { return variableBorrowIndex }
        let seconds = timestamp - lastUpdateTimestamp
        return rayMul(
            AavePool.compoundedInterest(
                rate: currentVariableBorrowRate, seconds: seconds, version: version),
            variableBorrowIndex)
    }

    /// The reserve brought up to `timestamp` (`updateState`): indexes grown by the rates
    /// since the last update, and the treasury's share of the new interest accrued.
    ///
    /// The liquidity index grows only while suppliers earn (`currentLiquidityRate > 0`).
    /// The borrow index grows while there is debt; v2 grows it only when the liquidity
    /// rate is non-zero as well, as v2's `_updateIndexes` nests the two.
    func accrued(at timestamp: UInt64, version: AavePool.Version) -> AavePool.Reserve {
        guard timestamp > lastUpdateTimestamp else { return self }
        var next = self
        let seconds = timestamp - lastUpdateTimestamp
        let earning = !currentLiquidityRate.isZero
        if earning {
            next.liquidityIndex = rayMul(
                AavePool.linearInterest(rate: currentLiquidityRate, seconds: seconds),
                liquidityIndex)
        }
        let borrowing = !scaledVariableDebt.isZero && (version != .v2 || earning)
        if borrowing {
            next.variableBorrowIndex = rayMul(
                AavePool.compoundedInterest(
                    rate: currentVariableBorrowRate, seconds: seconds, version: version),
                variableBorrowIndex)
        }
        next.lastUpdateTimestamp = timestamp
        // `_accrueToTreasury`: the reserve factor's share of the debt's growth, as scaled
        // aTokens at the new liquidity index.
        let reserveFactor = configuration.reserveFactorBps
        if !reserveFactor.isZero {
            let before = rayMul(scaledVariableDebt, variableBorrowIndex)
            let after = rayMul(scaledVariableDebt, next.variableBorrowIndex)
            let toMint = percentMul(after - before, reserveFactor)
            if !toMint.isZero {
                next.accruedToTreasury += rayDiv(toMint, next.liquidityIndex)
            }
        }
        return next
    }

    /// The reserve with its rates recomputed (`updateInterestRates`) for `cash` of
    /// underlying available: the aToken's balance before the call's transfers, plus what
    /// the call adds and minus what it takes (`liquidityAdded`, `liquidityTaken`).
    ///
    /// With variable debt only, the "overall" borrow rate is the variable rate re-weighted
    /// by the debt (`_getOverallBorrowRate`), which rounds like Aave's and can differ from
    /// it by a wei of rate.
    func withRates(cash: UInt256) -> AavePool.Reserve {
        var next = self
        let strategy = configuration.interestRates
        let totalDebt = rayMul(scaledVariableDebt, variableBorrowIndex)
        let usage = totalDebt.isZero ? UInt256.zero : rayDiv(totalDebt, cash + totalDebt)
        let borrowRate = strategy.variableBorrowRate(usage: usage)
        var overallRate = UInt256.zero
        if !totalDebt.isZero {
            let debtRay = totalDebt * 1_000_000_000  // wadToRay
            overallRate = rayDiv(rayMul(debtRay, borrowRate), debtRay)
        }
        next.currentVariableBorrowRate = borrowRate
        next.currentLiquidityRate = percentMul(
            rayMul(overallRate, usage), .percentageFactor - configuration.reserveFactorBps)
        return next
    }
}
