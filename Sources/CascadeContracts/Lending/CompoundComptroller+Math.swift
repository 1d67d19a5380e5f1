import CascadeCore

extension CompoundComptroller.InterestRateModel {
    /// `utilizationRate`: `borrows · 1e18 / (cash + borrows − reserves)`, 0 without borrows.
    static func utilization(cash: UInt256, borrows: UInt256, reserves: UInt256) throws(Revert)
        -> UInt256
    {
        guard !borrows.isZero else { return .zero }
        let base = try Checked.difference(try Checked.sum(cash, borrows), reserves)
        return try Checked.mulDiv(borrows, .wad, base)
    }

    /// `getBorrowRate`, WAD per block.
    func borrowRate(cash: UInt256, borrows: UInt256, reserves: UInt256) throws(Revert) -> UInt256 {
        let util = try Self.utilization(cash: cash, borrows: borrows, reserves: reserves)
        if util <= kink {
            return try Checked.sum(
                try Checked.mulDiv(util, multiplierPerBlock, .wad), baseRatePerBlock)
        }
        let normalRate = try Checked.sum(
            try Checked.mulDiv(kink, multiplierPerBlock, .wad), baseRatePerBlock)
        return try Checked.sum(
            try Checked.mulDiv(util - kink, jumpMultiplierPerBlock, .wad), normalRate)
    }
}

extension CompoundComptroller.Market {
    /// `exchangeRateStoredInternal`: `(cash + borrows − reserves) · 1e18 / supply`, or the
    /// initial rate while no cTokens exist. WAD, truncated.
    func exchangeRate(cash: UInt256) throws(Revert) -> UInt256 {
        guard !totalSupply.isZero else { return configuration.initialExchangeRate }
        let backing = try Checked.difference(try Checked.sum(cash, totalBorrows), totalReserves)
        return try Checked.mulDiv(backing, .wad, totalSupply)
    }

    /// `borrowBalanceStoredInternal`: `principal · borrowIndex / interestIndex`, truncated.
    func borrowBalance(_ snapshot: CompoundComptroller.BorrowSnapshot) -> UInt256 {
        guard !snapshot.principal.isZero else { return .zero }
        return UInt256.mulDiv(snapshot.principal, borrowIndex, snapshot.interestIndex)
    }

    /// `accrueInterest` to `block` with `cash` on hand: simple interest over the blocks
    /// since the last accrual, added to borrows, reserves (by the reserve factor) and the
    /// borrow index, each product truncated. Returns the market and the interest accrued,
    /// or nil for the interest when the market was already accrued in this block.
    func accrued(toBlock block: UInt64, cash: UInt256) throws(Revert) -> (
        market: Self, interest: UInt256?
    ) {
        guard block != accrualBlockNumber else { return (self, nil) }
        guard block > accrualBlockNumber else { throw Revert("arithmetic underflow") }
        let rate = try configuration.interestRateModel.borrowRate(
            cash: cash, borrows: totalBorrows, reserves: totalReserves)
        guard rate <= CompoundComptroller.borrowRateMax else {
            throw Revert("borrow rate is absurdly high")
        }
        let simpleInterestFactor = try Checked.product(rate, UInt256(block - accrualBlockNumber))
        let interest = try Checked.mulDiv(simpleInterestFactor, totalBorrows, .wad)
        var next = self
        next.totalBorrows = try Checked.sum(totalBorrows, interest)
        next.totalReserves = try Checked.sum(
            try Checked.mulDiv(configuration.reserveFactor, interest, .wad), totalReserves)
        next.borrowIndex = try Checked.sum(
            try Checked.mulDiv(simpleInterestFactor, borrowIndex, .wad), borrowIndex)
        next.accrualBlockNumber = block
        return (next, interest)
    }
}

extension CompoundComptroller {
    /// A hypothetical change to an account for `getHypotheticalAccountLiquidity`: redeem
    /// `redeemTokens` or borrow `borrowAmount` more in `market`. The market counts as
    /// entered: a redeem is only checked in an entered market, and a borrow enters it.
    struct LiquidityChange {
        var market: Int
        var redeemTokens: UInt256 = .zero
        var borrowAmount: UInt256 = .zero
    }

    /// `oracle.getUnderlyingPrice`: the view's WAD price per whole token scaled to a
    /// mantissa per base unit, `price · 1e18 / 10^decimals` (UniswapAnchoredView's
    /// `1e30 · price / baseUnit` with 6-decimal prices). Zero before the first post.
    public func underlyingPrice(_ market: Market, prices: [UInt256]? = nil) throws(Revert)
        -> UInt256
    {
        let price = (prices ?? oracle.prices)[market.configuration.oracleAsset]
        let decimals = market.configuration.underlyingDecimals
        if decimals <= 18 { return try Checked.product(price, UInt256.powerOfTen(18 - decimals)) }
        return price / UInt256.powerOfTen(decimals - 18)
    }

    /// `getHypotheticalAccountLiquidityInternal` over the markets `account` entered, read
    /// from `markets` (the running call's copy, some of them just accrued). Each term
    /// truncates: `tokensToDenom = cf·er/1e18·price/1e18`, then `tokensToDenom·cTokens/1e18`
    /// and `price·borrow/1e18`. Nil when an entered market's price is zero (`PRICE_ERROR`).
    func hypotheticalLiquidity(
        of account: Address, markets: [Market], ledger: TokenLedger, change: LiquidityChange?,
        prices: [UInt256]? = nil
    ) throws(Revert) -> AccountLiquidity? {
        var collateral = UInt256.zero
        var borrows = UInt256.zero
        for index in markets.indices
        where isMember(account, market: index) || change?.market == index {
            let market = markets[index]
            let exchangeRate = try market.exchangeRate(cash: cash(of: market, in: ledger))
            let price = try underlyingPrice(market, prices: prices)
            guard !price.isZero else { return nil }
            let tokensToDenom = try Checked.mulDiv(
                try Checked.mulDiv(market.configuration.collateralFactor, exchangeRate, .wad),
                price, .wad)
            let tokens = accountTokens[index][Int(account.rawValue)] ?? .zero
            let borrow = market.borrowBalance(
                accountBorrows[index][Int(account.rawValue)] ?? .zeroValue)
            collateral = try Checked.sum(
                collateral, try Checked.mulDiv(tokensToDenom, tokens, .wad))
            borrows = try Checked.sum(borrows, try Checked.mulDiv(price, borrow, .wad))
            if let change, change.market == index {
                borrows = try Checked.sum(
                    borrows, try Checked.mulDiv(tokensToDenom, change.redeemTokens, .wad))
                borrows = try Checked.sum(
                    borrows, try Checked.mulDiv(price, change.borrowAmount, .wad))
            }
        }
        return AccountLiquidity(sumCollateral: collateral, sumBorrowPlusEffects: borrows)
    }

    /// `liquidateCalculateSeizeTokens`: the collateral cTokens a repayment of
    /// `repayAmount` buys, truncating at each step exactly as Compound:
    ///
    /// ```
    /// numerator   = liquidationIncentive · priceBorrowed / 1e18
    /// denominator = priceCollateral · exchangeRate / 1e18
    /// ratio       = numerator · 1e18 / denominator
    /// seizeTokens = ratio · repayAmount / 1e18
    /// ```
    ///
    /// Nil (`PRICE_ERROR`) if either price is zero; reverts where Compound's arithmetic does.
    public static func seizeTokens(
        repayAmount: UInt256, priceBorrowed: UInt256, priceCollateral: UInt256,
        exchangeRate: UInt256, liquidationIncentive: UInt256
    ) throws(Revert) -> UInt256? {
        guard !priceBorrowed.isZero && !priceCollateral.isZero else { return nil }
        let numerator = try Checked.mulDiv(liquidationIncentive, priceBorrowed, .wad)
        let denominator = try Checked.mulDiv(priceCollateral, exchangeRate, .wad)
        let ratio = try Checked.mulDiv(numerator, .wad, denominator)
        return try Checked.mulDiv(ratio, repayAmount, .wad)
    }
}
