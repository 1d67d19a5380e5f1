import CascadeCore

extension CompoundComptroller {
    /// A `liquidateBorrow`'s arguments.
    struct LiquidationRequest {
        var borrowMarket: Int
        var collateralMarket: Int
        var borrower: Address
        var repayAmount: UInt256
        var liquidator: Address
    }

    /// `liquidateBorrow` (REFERENCE.md §4), in Compound's order:
    ///
    /// 1. accrue the borrowed and the collateral market;
    /// 2. `liquidateBorrowAllowed`: the borrower must be in shortfall, and
    ///    `repayAmount ≤ closeFactor · borrow / 1e18` (`TOO_MUCH_REPAY`);
    /// 3. refuse a self-liquidation, a zero repayment and `UInt256.max`;
    /// 4. repay the borrow from the liquidator;
    /// 5. `liquidateCalculateSeizeTokens` at the collateral's exchange rate after the
    ///    repayment; the borrower must hold that many cTokens;
    /// 6. `seizeInternal`: 2.8% of the seized cTokens are burned into the collateral
    ///    market's reserves (at the exchange rate, truncated), the rest go to the liquidator.
    mutating func liquidateBorrow(
        _ request: LiquidationRequest, block: UInt64, ledger: inout TokenLedger,
        events: inout [Event]
    ) throws(Revert) {
        let (b, c) = (request.borrowMarket, request.collateralMarket)
        let (borrower, liquidator) = (request.borrower, request.liquidator)
        var books = markets
        var produced: [Event] = []
        try accrue(&books, b, block: block, ledger: ledger, events: &produced)
        if c != b { try accrue(&books, c, block: block, ledger: ledger, events: &produced) }

        let borrow = borrowBalance(of: borrower, in: books[b], b)
        guard
            let liquidity = try hypotheticalLiquidity(
                of: borrower, markets: books, ledger: ledger, change: nil)
        else { throw Revert("LiquidateComptrollerRejection(PRICE_ERROR)") }
        guard !liquidity.shortfall.isZero else {
            throw Revert("LiquidateComptrollerRejection(INSUFFICIENT_SHORTFALL)")
        }
        let maxClose = try Checked.mulDiv(configuration.closeFactor, borrow, .wad)
        guard request.repayAmount <= maxClose else {
            throw Revert("LiquidateComptrollerRejection(TOO_MUCH_REPAY)")
        }
        guard borrower != liquidator else { throw Revert("LiquidateLiquidatorIsBorrower") }
        guard !request.repayAmount.isZero else { throw Revert("LiquidateCloseAmountIsZero") }
        guard request.repayAmount != .max else { throw Revert("LiquidateCloseAmountIsUintMax") }

        let repay = try repaid(
            b, amount: request.repayAmount, payer: liquidator, borrower: borrower,
            books: &books, ledger: ledger)
        // The collateral's exchange rate after the repayment: an in-kind repayment adds
        // cash and removes as much borrow, which leaves the rate as it was.
        var collateralCash = cash(of: books[c], in: ledger)
        if c == b { collateralCash = try Checked.sum(collateralCash, repay.amount) }
        let exchangeRate = try books[c].exchangeRate(cash: collateralCash)
        let priceBorrowed = try underlyingPrice(books[b])
        let priceCollateral = try underlyingPrice(books[c])
        guard
            let seized = try Self.seizeTokens(
                repayAmount: repay.amount, priceBorrowed: priceBorrowed,
                priceCollateral: priceCollateral, exchangeRate: exchangeRate,
                liquidationIncentive: configuration.liquidationIncentive)
        else { throw Revert("LIQUIDATE_COMPTROLLER_CALCULATE_AMOUNT_SEIZE_FAILED") }
        let borrowerTokens = tokens(of: borrower, market: c)
        guard borrowerTokens >= seized else { throw Revert("LIQUIDATE_SEIZE_TOO_MUCH") }

        // seizeInternal
        let protocolTokens = try Checked.mulDiv(seized, Self.protocolSeizeShare, .wad)
        let liquidatorTokens = seized - protocolTokens
        let protocolAmount = try Checked.mulDiv(exchangeRate, protocolTokens, .wad)
        books[c].totalReserves = try Checked.sum(books[c].totalReserves, protocolAmount)
        books[c].totalSupply = try Checked.difference(books[c].totalSupply, protocolTokens)
        let liquidatorBalance = try Checked.sum(tokens(of: liquidator, market: c), liquidatorTokens)

        markets = books
        store(repay, books: books, ledger: &ledger)
        accountTokens[c][Int(borrower.rawValue)] = borrowerTokens - seized
        accountTokens[c][Int(liquidator.rawValue)] = liquidatorBalance
        events += produced
        events.append(repay.event)
        let record = LiquidationCall(
            protocolName: "compound-v2", borrower: borrower, liquidator: liquidator,
            debtAsset: b, collateralAsset: c, debtToCover: request.repayAmount,
            healthFactor: UInt256.mulDiv(
                liquidity.sumCollateral, .wad, liquidity.sumBorrowPlusEffects),
            closeFactor: configuration.closeFactor, debtRepaid: repay.amount,
            collateralSeized: seized, bonus: configuration.liquidationIncentive,
            protocolFee: protocolTokens, debtPrice: priceBorrowed,
            collateralPrice: priceCollateral)
        events.append(
            .liquidated(
                Liquidation(
                    call: record, exchangeRate: exchangeRate,
                    protocolSeizeAmount: protocolAmount, shortfall: liquidity.shortfall)))
    }
}
