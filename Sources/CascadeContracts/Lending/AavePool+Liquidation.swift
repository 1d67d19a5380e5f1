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

    /// A validated liquidation: what was read and what the formulas give (steps 1–5).
    struct LiquidationTerms {
        var account: AaveAccountData
        var collateralIndex: UInt256
        var scaledUserCollateral: UInt256
        var userCollateral: UInt256
        var scaledUserDebt: UInt256
        var userDebt: UInt256
        var limit: DebtLimit
        var amounts: CollateralAmounts
        /// The debt the liquidator repays.
        var actualDebt: UInt256
        /// v3.3: the collateral taken is all the account has (in base currency).
        var noCollateralLeft: Bool

        var debtLeft: UInt256 { userDebt - actualDebt }
    }

    /// The balances a validated liquidation leaves (steps 6–9).
    struct LiquidationSettlement {
        var remainingScaledDebt: UInt256
        var remainingScaledCollateral: UInt256
        var scaledToLiquidator: UInt256
        var scaledFee: UInt256
        /// The protocol fee after the one-wei guard.
        var fee: UInt256
        /// Debt of the debt asset booked as deficit.
        var deficit: UInt256
        /// Other debts of the account burned into deficits (v3.3).
        var otherDeficits: [(asset: Int, scaled: UInt256, amount: UInt256)]
    }

    /// `liquidationCall` (v2 `LendingPoolCollateralManager`, v3 `LiquidationLogic`).
    ///
    /// In Aave's order: (1) accrue the debt reserve and read the health factor and
    /// balances; (2) validate (health factor below 1, collateral enabled, debt owed); (3)
    /// cap the repayment by the close factor; (4) price the collateral with the bonus,
    /// capped by the user's balance; (5, v3.3) refuse to leave dust; (6) burn the debt and
    /// re-rate the debt reserve; (7) take the collateral, burning aTokens for underlying
    /// (accruing and re-rating the collateral reserve) or moving aTokens; (8) pay the
    /// protocol fee; (9, v3.3) burn debt left without collateral into deficits; (10) take
    /// the repayment from the liquidator.
    ///
    /// Reserves are updated on a copy in that order, so the rates stored are the ones Aave
    /// stores (each computed from the aToken's balance before the call's transfers, plus or
    /// minus that step's own flow), and the copy is kept only once every check passed.
    mutating func liquidationCall(
        _ request: LiquidationRequest, now: UInt64, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        var books = reserves
        let d = request.debtAsset
        books[d] = books[d].accrued(at: now, version: configuration.version)
        let terms = try liquidationTerms(request, books: books, now: now)
        let settlement = try settle(terms, request, books: &books, ledger: ledger, now: now)
        let debtTerms = books[d].configuration
        try ledger.requireBalance(
            of: debtTerms.token, request.liquidator, atLeast: terms.actualDebt)

        reserves = books
        store(settlement, request, terms: terms, ledger: &ledger)
        if !settlement.deficit.isZero {
            events.append(.deficitCreated(asset: d, user: request.user, amount: settlement.deficit))
        }
        for other in settlement.otherDeficits {
            events.append(
                .deficitCreated(asset: other.asset, user: request.user, amount: other.amount))
        }
        events.append(.liquidated(liquidationRecord(request, terms: terms, settlement: settlement)))
    }

    /// Steps 1–5 on `books` (the debt reserve already accrued): reads, checks and prices
    /// the liquidation without writing anything.
    func liquidationTerms(_ request: LiquidationRequest, books: [Reserve], now: UInt64)
        throws(Revert) -> LiquidationTerms
    {
        let version = configuration.version
        let (c, d, user) = (request.collateralAsset, request.debtAsset, request.user)
        let account = accountData(of: user, at: now)
        let collateralIndex = books[c].normalizedIncome(at: now)
        let scaledUserCollateral = scaledCollateral(of: user, asset: c)
        let userCollateral = rayMul(scaledUserCollateral, collateralIndex)
        let scaledUserDebt = scaledDebt(of: user, asset: d)
        let userDebt = rayMul(scaledUserDebt, books[d].variableBorrowIndex)

        guard account.isLiquidatable else { throw Revert("HEALTH_FACTOR_NOT_BELOW_THRESHOLD") }
        guard
            !books[c].configuration.liquidationThresholdBps.isZero
                && !scaledUserCollateral.isZero
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
        return LiquidationTerms(
            account: account, collateralIndex: collateralIndex,
            scaledUserCollateral: scaledUserCollateral, userCollateral: userCollateral,
            scaledUserDebt: scaledUserDebt, userDebt: userDebt, limit: limit, amounts: amounts,
            actualDebt: actualDebt,
            noCollateralLeft: version == .v3dot3
                && account.totalCollateralBase == amounts.collateralBase)
    }

    /// Steps 6–9 on `books`: the debt burn, the collateral taken, the fee and (v3.3) the
    /// deficits, with each touched reserve accrued and re-rated as Aave does. Reverts
    /// where the tokens would (a zero burn, an aToken short of cash).
    func settle(
        _ terms: LiquidationTerms, _ request: LiquidationRequest, books: inout [Reserve],
        ledger: TokenLedger, now: UInt64
    ) throws(Revert) -> LiquidationSettlement {
        let version = configuration.version
        let (c, d) = (request.collateralAsset, request.debtAsset)
        let amounts = terms.amounts

        let debtBurned = terms.noCollateralLeft ? terms.userDebt : terms.actualDebt
        let scaledDebtBurned = rayDiv(debtBurned, books[d].variableBorrowIndex)
        guard !scaledDebtBurned.isZero else { throw Revert("INVALID_BURN_AMOUNT") }
        let remainingScaledDebt = try Checked.difference(terms.scaledUserDebt, scaledDebtBurned)
        let deficit = terms.noCollateralLeft ? terms.debtLeft : .zero
        books[d].scaledVariableDebt -= scaledDebtBurned
        books[d].deficit += deficit
        books[d] = books[d].withRates(cash: cash(of: books[d], in: ledger) + terms.actualDebt)

        let scaledToLiquidator = rayDiv(amounts.collateral, terms.collateralIndex)
        let collateralCash = cash(of: books[c], in: ledger)
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
            terms.scaledUserCollateral, scaledToLiquidator)

        // The fee, trimmed to what the user still holds (Aave's one-wei guard).
        var fee = amounts.fee
        var scaledFee = rayDiv(fee, terms.collateralIndex)
        if scaledFee > remainingScaledCollateral {
            fee = rayMul(remainingScaledCollateral, terms.collateralIndex)
            scaledFee = rayDiv(fee, terms.collateralIndex)
        }
        remainingScaledCollateral -= scaledFee

        var otherDeficits: [(asset: Int, scaled: UInt256, amount: UInt256)] = []
        if terms.noCollateralLeft {
            for asset in books.indices where asset != d {
                let scaled = scaledDebt(of: request.user, asset: asset)
                guard !scaled.isZero else { continue }
                books[asset] = books[asset].accrued(at: now, version: version)
                let amount = rayMul(scaled, books[asset].variableBorrowIndex)
                books[asset].scaledVariableDebt -= scaled
                books[asset].deficit += amount
                // The collateral paid out above has already left this aToken.
                let paidOut = asset == c && !request.receiveAToken
                let cash = cash(of: books[asset], in: ledger)
                books[asset] = books[asset].withRates(
                    cash: paidOut ? cash - amounts.collateral : cash)
                otherDeficits.append((asset, scaled, amount))
            }
        }
        return LiquidationSettlement(
            remainingScaledDebt: remainingScaledDebt,
            remainingScaledCollateral: remainingScaledCollateral,
            scaledToLiquidator: scaledToLiquidator, scaledFee: scaledFee, fee: fee,
            deficit: deficit, otherDeficits: otherDeficits)
    }

    /// Writes a settled liquidation's balances and moves its tokens.
    mutating func store(
        _ settlement: LiquidationSettlement, _ request: LiquidationRequest,
        terms: LiquidationTerms, ledger: inout TokenLedger
    ) {
        let (c, d, user) = (request.collateralAsset, request.debtAsset, request.user)
        let collateralTerms = reserves[c].configuration
        let debtTerms = reserves[d].configuration
        scaledDebt[d][Int(user.rawValue)] = settlement.remainingScaledDebt
        scaledCollateral[c][Int(user.rawValue)] = settlement.remainingScaledCollateral
        if request.receiveAToken {
            addCollateral(settlement.scaledToLiquidator, to: request.liquidator, asset: c)
        } else {
            ledger.move(
                collateralTerms.token, from: collateralTerms.aToken, to: request.liquidator,
                amount: terms.amounts.collateral)
        }
        addCollateral(settlement.scaledFee, to: configuration.treasury, asset: c)
        for other in settlement.otherDeficits {
            removeDebt(other.scaled, from: user, asset: other.asset)
        }
        ledger.move(
            debtTerms.token, from: request.liquidator, to: debtTerms.aToken,
            amount: terms.actualDebt)
    }

    /// The trace record of a liquidation.
    func liquidationRecord(
        _ request: LiquidationRequest, terms: LiquidationTerms,
        settlement: LiquidationSettlement
    ) -> Liquidation {
        let collateral = reserves[request.collateralAsset]
        let record = LiquidationCall(
            protocolName: configuration.version.protocolName, borrower: request.user,
            liquidator: request.liquidator, debtAsset: request.debtAsset,
            collateralAsset: request.collateralAsset, debtToCover: request.debtToCover,
            healthFactor: terms.account.healthFactor, closeFactor: terms.limit.closeFactor,
            debtRepaid: terms.actualDebt,
            collateralSeized: terms.amounts.collateral + settlement.fee,
            bonus: collateral.configuration.liquidationBonusBps * Self.bpsToWad,
            protocolFee: settlement.fee, debtPrice: reserves[request.debtAsset].price,
            collateralPrice: collateral.price)
        return Liquidation(
            call: record, receiveAToken: request.receiveAToken,
            maxLiquidatableDebt: terms.limit.maxDebt, deficit: settlement.deficit)
    }

    /// The aToken's balance of `reserve`'s underlying: the cash the rates see.
    func cash(of reserve: Reserve, in ledger: TokenLedger) -> UInt256 {
        ledger.amount(of: reserve.configuration.token, reserve.configuration.aToken)
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
