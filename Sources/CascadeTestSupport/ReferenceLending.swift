import CascadeContracts
import CascadeCore

// Naive lending liquidations for model-based tests: the formulas of REFERENCE.md §3 and §4
// written out once more, on arbitrary-precision naturals (`ReferenceNatural`), over plain
// balances. They share no code with `AavePool` or `CompoundComptroller`: no scaled
// balances, no indexes, no `UInt256` helpers, so a test driving both with the same random
// positions checks the contracts' bookkeeping as well as their formulas.

/// `⌊a / b⌋`.
private func floorDiv(_ a: ReferenceNatural, _ b: ReferenceNatural) -> ReferenceNatural {
    a.divided(by: b).quotient
}

/// `⌊(a + ⌊b/2⌋) / b⌋`: division rounded half up, as Aave's WadRayMath and PercentageMath.
private func halfUpDiv(_ a: ReferenceNatural, _ b: ReferenceNatural) -> ReferenceNatural {
    floorDiv(a + floorDiv(b, two), b)
}

private func natural(_ value: UInt256) -> ReferenceNatural { ReferenceNatural(value) }
private func natural(_ value: UInt64) -> ReferenceNatural { ReferenceNatural(value) }

private let two = ReferenceNatural(2 as UInt64)
private let tenThousand = ReferenceNatural(10_000 as UInt64)
private let oneWad = ReferenceNatural(1_000_000_000_000_000_000 as UInt64)

private func tenTo(_ exponent: Int) -> ReferenceNatural {
    var value = ReferenceNatural(1 as UInt64)
    for _ in 0..<exponent { value = value * ReferenceNatural(10 as UInt64) }
    return value
}

/// `ReferenceNatural` → `UInt256`; the reference's results all fit.
private func exact(_ value: ReferenceNatural) -> UInt256 {
    guard let result = value.uint256Value else { preconditionFailure("reference overflow") }
    return result
}

/// A naive Aave `liquidationCall` over balances at index 1 RAY (scaled = actual).
public enum ReferenceAaveLiquidation {
    /// A reserve's terms and price, and its aToken's cash.
    public struct Reserve: Sendable {
        public var price: UInt256
        public var decimals: Int
        public var thresholdBps: UInt256
        public var bonusBps: UInt256
        public var protocolFeeBps: UInt256
        public var cash: UInt256

        public init(
            price: UInt256, decimals: Int, thresholdBps: UInt256, bonusBps: UInt256,
            protocolFeeBps: UInt256, cash: UInt256
        ) {
            self.price = price
            self.decimals = decimals
            self.thresholdBps = thresholdBps
            self.bonusBps = bonusBps
            self.protocolFeeBps = protocolFeeBps
            self.cash = cash
        }
    }

    /// What a successful liquidation does.
    public struct Outcome: Equatable, Sendable {
        public var healthFactor: UInt256
        public var debtRepaid: UInt256
        /// Collateral to the liquidator.
        public var collateralToLiquidator: UInt256
        public var protocolFee: UInt256
        /// Debt burned into each reserve's deficit (v3.3), by reserve.
        public var deficits: [UInt256]
    }

    /// The health factor of balances: `wadDiv(percentMul(Σ value, avg threshold), Σ debt)`.
    public static func healthFactor(
        reserves: [Reserve], collateral: [UInt256], debt: [UInt256]
    ) -> UInt256 {
        let (total, threshold, owed) = totals(
            reserves: reserves, collateral: collateral, debt: debt)
        if owed.isZero { return .max }
        let weighted = halfUpDiv(total * threshold, tenThousand)
        return exact(halfUpDiv(weighted * oneWad, owed))
    }

    private static func value(_ amount: UInt256, _ reserve: Reserve) -> ReferenceNatural {
        floorDiv(natural(amount) * natural(reserve.price), tenTo(reserve.decimals))
    }

    /// Σ collateral value, the value-weighted threshold (bps, rounded down), Σ debt value.
    private static func totals(reserves: [Reserve], collateral: [UInt256], debt: [UInt256]) -> (
        ReferenceNatural, ReferenceNatural, ReferenceNatural
    ) {
        var total = ReferenceNatural.zero
        var weighted = ReferenceNatural.zero
        var owed = ReferenceNatural.zero
        for (index, reserve) in reserves.enumerated() {
            if !reserve.thresholdBps.isZero && !collateral[index].isZero {
                let worth = value(collateral[index], reserve)
                total = total + worth
                weighted = weighted + worth * natural(reserve.thresholdBps)
            }
            owed = owed + value(debt[index], reserve)
        }
        let threshold = total.isZero ? ReferenceNatural.zero : floorDiv(weighted, total)
        return (total, threshold, owed)
    }

    /// The liquidation of `debtToCover` of reserve `d` against collateral `c`, or nil
    /// where the pool must revert. The liquidator is assumed to hold the repayment.
    public static func liquidate(
        version: AavePool.Version, reserves: [Reserve], collateral: [UInt256], debt: [UInt256],
        collateralAsset c: Int, debtAsset d: Int, debtToCover: UInt256, receiveAToken: Bool
    ) -> Outcome? {
        let health = healthFactor(reserves: reserves, collateral: collateral, debt: debt)
        guard health < .wad else { return nil }
        guard !reserves[c].thresholdBps.isZero, !collateral[c].isZero, !debt[d].isZero else {
            return nil
        }
        let (totalCollateral, _, totalDebt) = totals(
            reserves: reserves, collateral: collateral, debt: debt)
        let userDebt = natural(debt[d])
        let userCollateral = natural(collateral[c])

        // Close factor.
        var maxDebt = userDebt
        switch version {
        case .v2:
            maxDebt = halfUpDiv(userDebt * natural(5_000 as UInt64), tenThousand)
        case .v3:
            if health > 950_000_000_000_000_000 {
                maxDebt = halfUpDiv(userDebt * natural(5_000 as UInt64), tenThousand)
            }
        case .v3dot3:
            let threshold = natural(200_000_000_000 as UInt64)
            let debtValue = value(debt[d], reserves[d])
            let collateralValue = value(collateral[c], reserves[c])
            if !(debtValue < threshold) && !(collateralValue < threshold)
                && health > 950_000_000_000_000_000
            {
                let half = halfUpDiv(totalDebt * natural(5_000 as UInt64), tenThousand)
                if half < debtValue {
                    maxDebt = floorDiv(
                        half * tenTo(reserves[d].decimals), natural(reserves[d].price))
                }
            }
        }
        let requested = natural(debtToCover) < maxDebt ? natural(debtToCover) : maxDebt

        // Collateral for the debt, with the bonus, capped by the balance.
        let bonus = natural(reserves[c].bonusBps)
        let debtPrice = natural(reserves[d].price)
        let collateralPrice = natural(reserves[c].price)
        let debtUnit = tenTo(reserves[d].decimals)
        let collateralUnit = tenTo(reserves[c].decimals)
        let maxCollateral: ReferenceNatural
        if version == .v2 {
            maxCollateral = floorDiv(
                halfUpDiv(debtPrice * requested * collateralUnit * bonus, tenThousand),
                collateralPrice * debtUnit)
        } else {
            maxCollateral = halfUpDiv(
                floorDiv(debtPrice * requested * collateralUnit, collateralPrice * debtUnit)
                    * bonus, tenThousand)
        }
        var taken = maxCollateral
        var debtNeeded = requested
        if userCollateral < maxCollateral {
            taken = userCollateral
            debtNeeded = halfUpDiv(
                floorDiv(collateralPrice * taken * debtUnit, debtPrice * collateralUnit)
                    * tenThousand, bonus)
        }
        let takenValue = floorDiv(taken * collateralPrice, collateralUnit)
        var fee = ReferenceNatural.zero
        if version != .v2 && !reserves[c].protocolFeeBps.isZero {
            let withoutBonus = halfUpDiv(taken * tenThousand, bonus)
            fee = halfUpDiv(
                (taken - withoutBonus ?? .zero) * natural(reserves[c].protocolFeeBps), tenThousand)
        }
        let toLiquidator = taken - fee ?? .zero
        let repaid = version == .v2 && requested < debtNeeded ? requested : debtNeeded
        guard let debtLeft = userDebt - repaid else { return nil }

        // v3.3: no dust, and a deficit when the last collateral goes.
        if version == .v3dot3 && !debtLeft.isZero && toLiquidator + fee < userCollateral {
            let leftover = natural(100_000_000_000 as UInt64)
            let debtLeftValue = floorDiv(debtLeft * debtPrice, debtUnit)
            let collateralLeftValue = floorDiv(
                (userCollateral - toLiquidator ?? .zero) * collateralPrice, collateralUnit)
            guard !(debtLeftValue < leftover), !(collateralLeftValue < leftover) else {
                return nil
            }
        }
        let noCollateralLeft = version == .v3dot3 && totalCollateral == takenValue
        let burned = noCollateralLeft ? userDebt : repaid
        guard !burned.isZero else { return nil }
        if !receiveAToken {
            guard !toLiquidator.isZero, !(natural(reserves[c].cash) < toLiquidator) else {
                return nil
            }
        }
        // The fee cannot exceed what the liquidator left of the balance.
        let remaining = userCollateral - toLiquidator ?? .zero
        if remaining < fee { fee = remaining }

        var deficits = [UInt256](repeating: .zero, count: reserves.count)
        if noCollateralLeft {
            deficits[d] = exact(debtLeft)
            for index in reserves.indices where index != d { deficits[index] = debt[index] }
        }
        return Outcome(
            healthFactor: health, debtRepaid: exact(repaid),
            collateralToLiquidator: exact(toLiquidator), protocolFee: exact(fee),
            deficits: deficits)
    }
}

/// A naive Compound v2 `liquidateBorrow` over an account's observed balances.
public enum ReferenceCompoundLiquidation {
    /// One market as the borrower's liquidity sees it.
    public struct Market: Sendable {
        /// Underlying price mantissa.
        public var price: UInt256
        public var exchangeRate: UInt256
        public var collateralFactor: UInt256
        public var entered: Bool
        /// The borrower's cTokens.
        public var tokens: UInt256
        /// The borrower's borrow balance.
        public var borrow: UInt256

        public init(
            price: UInt256, exchangeRate: UInt256, collateralFactor: UInt256, entered: Bool,
            tokens: UInt256, borrow: UInt256
        ) {
            self.price = price
            self.exchangeRate = exchangeRate
            self.collateralFactor = collateralFactor
            self.entered = entered
            self.tokens = tokens
            self.borrow = borrow
        }
    }

    public struct Outcome: Equatable, Sendable {
        public var shortfall: UInt256
        public var seizeTokens: UInt256
        public var protocolTokens: UInt256
        public var protocolAmount: UInt256
    }

    /// (Σ collateral, Σ borrows) in USD mantissa over entered markets, or nil when an
    /// entered market has no price.
    public static func sums(_ markets: [Market]) -> (UInt256, UInt256)? {
        var collateral = ReferenceNatural.zero
        var borrows = ReferenceNatural.zero
        for market in markets where market.entered {
            guard !market.price.isZero else { return nil }
            let perToken = floorDiv(
                floorDiv(natural(market.collateralFactor) * natural(market.exchangeRate), oneWad)
                    * natural(market.price), oneWad)
            collateral = collateral + floorDiv(perToken * natural(market.tokens), oneWad)
            borrows = borrows + floorDiv(natural(market.price) * natural(market.borrow), oneWad)
        }
        return (exact(collateral), exact(borrows))
    }

    /// The liquidation of `repay` of market `b`'s borrow against market `c`, or nil where
    /// the comptroller must revert. The liquidator is someone else holding the repayment.
    public static func liquidate(
        markets: [Market], borrowMarket b: Int, collateralMarket c: Int, repay: UInt256,
        closeFactor: UInt256, liquidationIncentive: UInt256
    ) -> Outcome? {
        guard let (collateral, borrows) = sums(markets), collateral < borrows else { return nil }
        let maxClose = floorDiv(natural(closeFactor) * natural(markets[b].borrow), oneWad)
        guard !(maxClose < natural(repay)), !repay.isZero, repay != .max else { return nil }
        guard !markets[b].price.isZero, !markets[c].price.isZero else { return nil }
        let numerator = floorDiv(natural(liquidationIncentive) * natural(markets[b].price), oneWad)
        let denominator = floorDiv(
            natural(markets[c].price) * natural(markets[c].exchangeRate), oneWad)
        guard !denominator.isZero else { return nil }
        let ratio = floorDiv(numerator * oneWad, denominator)
        let seize = floorDiv(ratio * natural(repay), oneWad)
        guard !(natural(markets[c].tokens) < seize) else { return nil }
        let share = natural(28_000_000_000_000_000 as UInt64)
        let protocolTokens = floorDiv(seize * share, oneWad)
        let protocolAmount = floorDiv(natural(markets[c].exchangeRate) * protocolTokens, oneWad)
        return Outcome(
            shortfall: borrows - collateral, seizeTokens: exact(seize),
            protocolTokens: exact(protocolTokens), protocolAmount: exact(protocolAmount))
    }
}
