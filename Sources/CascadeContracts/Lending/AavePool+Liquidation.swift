import CascadeCore

extension AavePool {
    /// A `liquidationCall`'s arguments.
    struct LiquidationRequest {
        var collateralAsset: Int
        var debtAsset: Int
        var user: Address
        var debtToCover: UInt256
        var receiveAToken: Bool
        var liquidator: Address
    }

    /// What `_calculateAvailableCollateralToLiquidate` returns.
    struct CollateralAmounts {
        /// Collateral for the liquidator, protocol fee excluded.
        var collateral: UInt256
        /// Debt the liquidator repays for it.
        var debt: UInt256
        /// Collateral for the treasury.
        var fee: UInt256
        /// `(collateral + fee) · price / unit`: what v3.3 compares with the account's whole
        /// collateral to see whether any is left.
        var collateralBase: UInt256
    }

    /// The close-factor rule's limit on the debt one call may repay.
    struct DebtLimit {
        var maxDebt: UInt256
        /// WAD, for the trace: the share of the reserve's debt the rule allowed (v3.3:
        /// 0.5e18 when the cap on half of the account's total debt applied, else 1e18).
        var closeFactor: UInt256
    }

    /// `liquidationCall` (v2 `LendingPoolCollateralManager`, v3 `LiquidationLogic`).
    ///
    /// In Aave's order: accrue the debt reserve; read the health factor and balances;
    /// validate (health factor below 1, collateral enabled, debt owed); cap the repayment by
    /// the close factor; price the collateral with the bonus, capped by the user's balance;
    /// (v3.3) refuse to leave dust; burn the debt and update the debt reserve's rates;
    /// take the collateral (burning aTokens for underlying, accruing and re-rating the
    /// collateral reserve, or moving aTokens); pay the protocol fee; (v3.3) burn debt left
    /// without collateral into deficits; finally take the repayment from the liquidator.
    ///
    /// Reserves are updated on a copy in that order, so the rates stored are the ones Aave
    /// stores (each computed from the aToken's balance before the call's transfers, plus or
    /// minus that step's own flow), and the copy is kept only once every check passed.
    mutating func liquidationCall(
        _ request: LiquidationRequest, now: UInt64, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        let version = configuration.version
        let (c, d, user) = (request.collateralAsset, request.debtAsset, request.user)
        var books = reserves
        books[d] = books[d].accrued(at: now, version: version)
        let account = accountData(of: user, at: now)
        let collateralIndex = books[c].normalizedIncome(at: now)
        let scaledUserCollateral = scaledCollateral(of: user, asset: c)
        let userCollateral = rayMul(scaledUserCollateral, collateralIndex)
        let scaledUserDebt = scaledDebt(of: user, asset: d)
        let userDebt = rayMul(scaledUserDebt, books[d].variableBorrowIndex)
        let collateralTerms = books[c].configuration
        let debtTerms = books[d].configuration

        guard account.isLiquidatable else { throw Revert("HEALTH_FACTOR_NOT_BELOW_THRESHOLD") }
        guard !collateralTerms.liquidationThresholdBps.isZero && !scaledUserCollateral.isZero
        else { throw Revert("COLLATERAL_CANNOT_BE_LIQUIDATED") }
        guard !userDebt.isZero else { throw Revert("SPECIFIED_CURRENCY_NOT_BORROWED_BY_USER") }

        let limit = debtLimit(
            account: account, userDebt: userDebt, userCollateral: userCollateral,
            debt: books[d], collateral: books[c])
        let requested = Swift.min(request.debtToCover, limit.maxDebt)
        let amounts = try Self.collateralToLiquidate(
            version: version, debt: books[d], collateral: books[c], debtToCover: requested,
            userCollateral: userCollateral)
        // v2 keeps the smaller of the two; v3 takes the debt the collateral needs.
        let actualDebt = version == .v2 ? Swift.min(requested, amounts.debt) : amounts.debt
        let debtLeft = try Checked.difference(userDebt, actualDebt)
        let partial = !debtLeft.isZero && amounts.collateral + amounts.fee < userCollateral
        if version == .v3dot3 && partial {
            try requireNoDust(
                debtLeft: debtLeft, collateralLeft: userCollateral - amounts.collateral,
                debt: books[d], collateral: books[c])
        }
        let noCollateralLeft =
            version == .v3dot3 && account.totalCollateralBase == amounts.collateralBase

        // Burn the debt (all of it when v3.3 finds no collateral left) and re-rate.
        let debtBurned = noCollateralLeft ? userDebt : actualDebt
        let scaledDebtBurned = rayDiv(debtBurned, books[d].variableBorrowIndex)
        guard !scaledDebtBurned.isZero else { throw Revert("INVALID_BURN_AMOUNT") }
        let remainingScaledDebt = try Checked.difference(scaledUserDebt, scaledDebtBurned)
        let deficit = noCollateralLeft ? debtLeft : .zero
        books[d].scaledVariableDebt -= scaledDebtBurned
        books[d].deficit += deficit
        books[d] = books[d].withRates(
            cash: ledger.amount(of: debtTerms.token, debtTerms.aToken) + actualDebt)

        // Take the collateral: underlying out of the aToken, or aTokens to the liquidator.
        let scaledToLiquidator = rayDiv(amounts.collateral, collateralIndex)
        let collateralCash = ledger.amount(of: collateralTerms.token, collateralTerms.aToken)
        if !request.receiveAToken {
            guard !scaledToLiquidator.isZero else { throw Revert("INVALID_BURN_AMOUNT") }
            guard amounts.collateral <= collateralCash else {
                throw Revert("NOT_ENOUGH_LIQUIDITY_TO_LIQUIDATE")
            }
            books[c] = books[c].accrued(at: now, version: version)
            books[c].scaledSupply -= scaledToLiquidator
            books[c] = books[c].withRates(cash: collateralCash - amounts.collateral)
        }
        var remainingScaledCollateral = try Checked.difference(
            scaledUserCollateral, scaledToLiquidator)

        // The protocol fee, trimmed to what the user still holds (Aave's 1-wei guard).
        var fee = amounts.fee
        var scaledFee = rayDiv(fee, collateralIndex)
        if scaledFee > remainingScaledCollateral {
            fee = rayMul(remainingScaledCollateral, collateralIndex)
            scaledFee = rayDiv(fee, collateralIndex)
        }
        remainingScaledCollateral -= scaledFee

        // v3.3: every other debt of an account left without collateral becomes a deficit.
        var otherDeficits: [(asset: Int, scaled: UInt256, amount: UInt256)] = []
        if noCollateralLeft {
            for asset in books.indices where asset != d {
                let scaled = scaledDebt(of: user, asset: asset)
                guard !scaled.isZero else { continue }
                books[asset] = books[asset].accrued(at: now, version: version)
                let amount = rayMul(scaled, books[asset].variableBorrowIndex)
                books[asset].scaledVariableDebt -= scaled
                books[asset].deficit += amount
                let terms = books[asset].configuration
                var cash = ledger.amount(of: terms.token, terms.aToken)
                if asset == c && !request.receiveAToken { cash -= amounts.collateral }
                books[asset] = books[asset].withRates(cash: cash)
                otherDeficits.append((asset, scaled, amount))
            }
        }
        try ledger.requireBalance(of: debtTerms.token, request.liquidator, atLeast: actualDebt)

        // Validated: store the reserves and balances, then move the tokens.
        reserves = books
        scaledDebt[d][Int(user.rawValue)] = remainingScaledDebt
        scaledCollateral[c][Int(user.rawValue)] = remainingScaledCollateral
        if request.receiveAToken {
            addCollateral(scaledToLiquidator, to: request.liquidator, asset: c)
        } else {
            ledger.move(
                collateralTerms.token, from: collateralTerms.aToken, to: request.liquidator,
                amount: amounts.collateral)
        }
        addCollateral(scaledFee, to: configuration.treasury, asset: c)
        for other in otherDeficits {
            removeDebt(other.scaled, from: user, asset: other.asset)
        }
        ledger.move(
            debtTerms.token, from: request.liquidator, to: debtTerms.aToken, amount: actualDebt)

        if !deficit.isZero { events.append(.deficitCreated(asset: d, user: user, amount: deficit)) }
        for other in otherDeficits {
            events.append(.deficitCreated(asset: other.asset, user: user, amount: other.amount))
        }
        let record = LiquidationCall(
            protocolName: version.protocolName, borrower: user, liquidator: request.liquidator,
            debtAsset: d, collateralAsset: c, debtToCover: request.debtToCover,
            healthFactor: account.healthFactor, closeFactor: limit.closeFactor,
            debtRepaid: actualDebt, collateralSeized: amounts.collateral + fee,
            bonus: collateralTerms.liquidationBonusBps * Self.bpsToWad, protocolFee: fee,
            debtPrice: books[d].price, collateralPrice: books[c].price)
        events.append(
            .liquidated(
                Liquidation(
                    call: record, receiveAToken: request.receiveAToken,
                    maxLiquidatableDebt: limit.maxDebt, deficit: deficit)))
    }

    /// 1e14: one basis point as a WAD fraction.
    static let bpsToWad: UInt256 = 100_000_000_000_000

    /// The close factor of each version (REFERENCE.md §3.2).
    func debtLimit(
        account: AaveAccountData, userDebt: UInt256, userCollateral: UInt256,
        debt: Reserve, collateral: Reserve
    ) -> DebtLimit {
        let threshold = Self.closeFactorHealthFactorThreshold
        switch configuration.version {
        case .v2:
            let factor = Self.defaultLiquidationCloseFactorBps
            return DebtLimit(
                maxDebt: percentMul(userDebt, factor), closeFactor: factor * Self.bpsToWad)
        case .v3:
            let factor =
                account.healthFactor > threshold
                ? Self.defaultLiquidationCloseFactorBps : Self.maxLiquidationCloseFactorBps
            return DebtLimit(
                maxDebt: percentMul(userDebt, factor), closeFactor: factor * Self.bpsToWad)
        case .v3dot3:
            let debtTerms = debt.configuration
            let debtBase = userDebt * debt.price / debtTerms.unit
            let collateralBase =
                userCollateral * collateral.price / collateral.configuration.unit
            let bigEnough =
                collateralBase >= Self.minBaseMaxCloseFactorThreshold
                && debtBase >= Self.minBaseMaxCloseFactorThreshold
            if bigEnough && account.healthFactor > threshold {
                let half = percentMul(account.totalDebtBase, Self.defaultLiquidationCloseFactorBps)
                if debtBase > half {
                    return DebtLimit(
                        maxDebt: half * debtTerms.unit / debt.price, closeFactor: .wad / 2)
                }
            }
            return DebtLimit(maxDebt: userDebt, closeFactor: .wad)
        }
    }

    /// v3.3's `MUST_NOT_LEAVE_DUST`: a partial liquidation must leave at least
    /// `minLeftoverBase` of both debt and collateral. As in aave-v3-origin, the collateral
    /// left is counted before the protocol fee is taken out.
    func requireNoDust(
        debtLeft: UInt256, collateralLeft: UInt256, debt: Reserve, collateral: Reserve
    ) throws(Revert) {
        let debtValue = debtLeft * debt.price / debt.configuration.unit
        let collateralValue = collateralLeft * collateral.price / collateral.configuration.unit
        guard debtValue >= Self.minLeftoverBase && collateralValue >= Self.minLeftoverBase else {
            throw Revert("MUST_NOT_LEAVE_DUST")
        }
    }

    /// `_calculateAvailableCollateralToLiquidate` (REFERENCE.md §3.3).
    ///
    /// v3: `base = debtPrice·debtToCover·collateralUnit / (collateralPrice·debtUnit)` rounded
    /// down, then `max = base.percentMul(bonus)`. v2 applies the bonus before the division,
    /// `(debtPrice·debtToCover·collateralUnit).percentMul(bonus) / (collateralPrice·debtUnit)`,
    /// so the two can differ by a wei. If `max` exceeds the user's collateral, all of it is
    /// taken and the debt repaid is its value divided by the bonus (`percentDiv`). v3 then
    /// carves the protocol fee out of the bonus part:
    /// `fee = (amount − amount.percentDiv(bonus)).percentMul(feeBps)`.
    static func collateralToLiquidate(
        version: Version, debt: Reserve, collateral: Reserve, debtToCover: UInt256,
        userCollateral: UInt256
    ) throws(Revert) -> CollateralAmounts {
        let bonus = collateral.configuration.liquidationBonusBps
        let debtUnit = debt.configuration.unit
        let collateralUnit = collateral.configuration.unit
        let debtValue = try Checked.product(
            try Checked.product(debt.price, debtToCover), collateralUnit)
        let maxCollateral: UInt256
        switch version {
        case .v2:
            maxCollateral = percentMul(debtValue, bonus) / (collateral.price * debtUnit)
        case .v3, .v3dot3:
            maxCollateral = percentMul(debtValue / (collateral.price * debtUnit), bonus)
        }
        var amount = maxCollateral
        var debtNeeded = debtToCover
        if maxCollateral > userCollateral {
            amount = userCollateral
            let value = try Checked.product(
                try Checked.product(collateral.price, amount), debtUnit)
            debtNeeded = percentDiv(value / (debt.price * collateralUnit), bonus)
        }
        let collateralBase = amount * collateral.price / collateralUnit
        var fee = UInt256.zero
        let feeBps = collateral.configuration.liquidationProtocolFeeBps
        if version != .v2 && !feeBps.isZero {
            let bonusCollateral = amount - percentDiv(amount, bonus)
            fee = percentMul(bonusCollateral, feeBps)
            amount -= fee
        }
        return CollateralAmounts(
            collateral: amount, debt: debtNeeded, fee: fee, collateralBase: collateralBase)
    }
}
