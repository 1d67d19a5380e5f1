import CascadeCore

// Margin (dYdX v4, REFERENCE.md §7.2):
//
//     equity = Q + Σ size·price        IMR = Σ |size|·price·IMF        MMR = Σ |size|·price·MMF
//
// Position values round down and requirements round up, so every test of solvency leans
// toward the exchange by at most a quantum per position.

extension PerpExchange {
    /// `account`'s equity and margin requirements at the current prices, counting its
    /// unsettled funding as settlement would (rounded against the account).
    public func risk(of account: PerpAccountID) throws(Revert) -> PerpRisk {
        var equity = self.account(account).quoteBalance
        var initial: Int128 = 0
        var maintenance: Int128 = 0
        for position in self.account(account).positions {
            let market = self.market(position.market)
            let size = position.size
            equity = try PerpMath.add(equity, PerpMath.value(size: size, price: market.price))
            equity = try PerpMath.sub(equity, fundingOwed(by: position))
            initial = try PerpMath.add(
                initial,
                PerpMath.requirement(
                    size: size, price: market.price,
                    fractionPpm: market.effectiveInitialMarginPpm))
            maintenance = try PerpMath.add(
                maintenance,
                PerpMath.requirement(
                    size: size, price: market.price,
                    fractionPpm: market.terms.maintenanceMarginPpm))
        }
        return PerpRisk(
            equity: equity, initialMargin: initial, maintenanceMargin: maintenance)
    }

    /// Whether `account` would be liquidatable if every market's mark were `prices[market]`
    /// (a price of 0 or a missing entry keeps that market's mark): `risk(of:)`'s equity and
    /// maintenance margin, with the same rounding, at other prices. For keepers and the race
    /// ledger asking "unsafe at the market price?" of the same books. O(positions).
    public func isLiquidatable(_ account: PerpAccountID, atPrices prices: [Int128]) throws(Revert)
        -> Bool
    {
        let standing = try maintenanceStanding(of: account, atPrices: prices)
        return standing.equity < standing.maintenanceMargin
    }

    /// `account`'s equity and maintenance margin if every market's mark were
    /// `prices[market]` (0 or missing: the mark), rounded as `risk(of:)` rounds them: each
    /// position's value down, its funding owed up, its requirement up. The numbers
    /// `isLiquidatable(_:atPrices:)` compares, for the run's margin coverage. O(positions).
    public func maintenanceStanding(of account: PerpAccountID, atPrices prices: [Int128])
        throws(Revert) -> (equity: Int128, maintenanceMargin: Int128)
    {
        var equity = self.account(account).quoteBalance
        var maintenance: Int128 = 0
        for position in self.account(account).positions {
            let market = self.market(position.market)
            let slot = Int(position.market.rawValue)
            let price = slot < prices.count && prices[slot] > 0 ? prices[slot] : market.price
            equity = try PerpMath.add(equity, PerpMath.value(size: position.size, price: price))
            equity = try PerpMath.sub(equity, fundingOwed(by: position))
            maintenance = try PerpMath.add(
                maintenance,
                PerpMath.requirement(
                    size: position.size, price: price,
                    fractionPpm: market.terms.maintenanceMarginPpm))
        }
        return (equity, maintenance)
    }

    /// Funding `position` owes since its last settlement, quantums; negative when it is
    /// owed. Rounded up (toward +∞), which is against the account either way: a payer
    /// pays the ceiling, a receiver gets the floor.
    func fundingOwed(by position: PerpPosition) throws(Revert) -> Int128 {
        let market = self.market(position.market)
        let indexChange = try PerpMath.sub(
            market.fundingIndex(forSize: position.size), position.fundingSnapshot)
        return try PerpMath.mulDiv(
            position.size, indexChange, PerpMath.fundingPaymentDivisor, .up)
    }

    /// The mark price at which `account` reaches its maintenance margin, if only `market`'s
    /// price moved (dYdX v4's liquidation price):
    ///
    ///     p' = (e − s·p − MMR_other) / (|s|·MMF − s)
    ///
    /// where `e` is the account's equity, `s` and `p` the position's size and price, and
    /// `MMR_other` the maintenance margin of the account's other positions (0 for an
    /// isolated account). Rounded toward the current price, so the warning comes early.
    /// `nil` when the account holds no position there or no positive price liquidates it.
    public func liquidationPrice(account: PerpAccountID, market: PerpMarketID) throws(Revert)
        -> Int128?
    {
        guard let position = self.account(account).position(in: market) else { return nil }
        let state = self.market(market)
        let size = position.size
        let fraction = state.terms.maintenanceMarginPpm
        let risk = try risk(of: account)
        let own = try PerpMath.requirement(size: size, price: state.price, fractionPpm: fraction)
        let others = try PerpMath.sub(risk.maintenanceMargin, own)
        // Both sides are multiplied by 1e15 = size scale × ppm to stay in integers.
        let scale = PerpMath.sizeScale * PerpMath.ppm
        let numerator = try PerpMath.sub(
            PerpMath.mul(PerpMath.sub(risk.equity, others), scale),
            PerpMath.mul(PerpMath.mul(size, state.price), PerpMath.ppm))
        let denominator = try PerpMath.sub(
            PerpMath.mul(size.checkedMagnitude, fraction), PerpMath.mul(size, PerpMath.ppm))
        guard denominator != 0 else { return nil }
        let price = try PerpMath.div(numerator, denominator, size > 0 ? .up : .down)
        return price > 0 ? price : nil
    }

    /// The fill price at which closing all of `size` leaves an account of equity `equity`
    /// (negative) with exactly zero, or the nearest price on the account's side, given
    /// that a fill's quote rounds down. A long sells at or above it, a short buys at or
    /// below it. A short whose deficit exceeds its position's whole value has no such
    /// price: 0.
    func bankruptcyPrice(size: Int128, price: Int128, equity: Int128) throws(Revert) -> Int128 {
        let value = try PerpMath.value(size: size, price: price)
        if size > 0 {
            // Need ⌊size·f/1e9⌋ ≥ value − equity.
            let needed = try PerpMath.sub(value, equity)
            return try PerpMath.mulDiv(needed, PerpMath.sizeScale, size, .up)
        }
        // Need ⌊|size|·f/1e9⌋ ≤ equity − value.
        let affordable = try PerpMath.sub(equity, value)
        guard affordable >= 0 else { return 0 }
        let limit = try PerpMath.sub(
            PerpMath.mul(PerpMath.add(affordable, 1), PerpMath.sizeScale), 1)
        return try PerpMath.div(limit, size.checkedMagnitude, .down)
    }

    /// dYdX v4's rule for an account after a trade or a liquidation fill it took part in:
    /// it must meet its initial margin, or else the fill must have lowered its maintenance
    /// margin without worsening its collateralisation `equity / MMR` (closing everything
    /// must leave equity ≥ 0). So an account in trouble can always reduce, never add risk.
    func requireMargin(_ account: PerpAccountID, before: PerpRisk) throws(Revert) {
        let after = try risk(of: account)
        if after.equity >= after.initialMargin { return }
        let reduced = after.maintenanceMargin < before.maintenanceMargin
        let notWorse =
            after.maintenanceMargin == 0
            ? after.equity >= 0
            : PerpMath.productAtLeast(
                after.equity, before.maintenanceMargin, before.equity, after.maintenanceMargin)
        guard reduced && notWorse else { throw Revert("Perp/insufficient-margin") }
    }
}

// Borrowing against perpetual equity (Mango Markets v3, HISTORY.md §4): a withdrawal that
// takes the quote balance below zero is a loan out of the other depositors' USDC, backed by
// the account's equity at the oracle's marks. Whether unrealised profit may back it is the
// exchange's `unrealisedProfitBacksWithdrawals`.

extension PerpExchange {
    /// The unrealised profit of `account`'s positions at the current marks, quantums: per
    /// position `max(0, size·price − entryQuote)`, summed. Each position's value rounds up
    /// here (`⌈size·price / 1e9⌉`), so the profit is never understated and the collateral
    /// left after taking it out (`withdrawableCollateral`) never overstated.
    public func unrealisedProfit(of account: PerpAccountID) throws(Revert) -> Int128 {
        var profit: Int128 = 0
        for position in self.account(account).positions {
            let price = market(position.market).price
            let valueUp = try PerpMath.mulDiv(
                position.size, price, PerpMath.sizeScale, .up)
            let gain = try PerpMath.sub(valueUp, position.entryQuote)
            if gain > 0 { profit = try PerpMath.add(profit, gain) }
        }
        return profit
    }

    /// The collateral a withdrawal is tested against when unrealised profit may not back
    /// it: `equity − unrealisedProfit`, i.e. the deposits, realised results, funding and
    /// unrealised losses, with gains still open left out. `equity` is `risk(of:).equity`.
    public func withdrawableCollateral(of account: PerpAccountID, equity: Int128)
        throws(Revert) -> Int128
    {
        try PerpMath.sub(equity, unrealisedProfit(of: account))
    }

    /// The most `account` could withdraw now, quantums: the margin rule of `withdraw` solved
    /// for the amount (a withdrawal lowers equity one for one and leaves the requirement
    /// alone), capped by the USDC the exchange holds; 0 when nothing is free. For attackers
    /// and tests: the call itself decides.
    public func withdrawable(_ account: PerpAccountID) throws(Revert) -> Int128 {
        max(0, min(try freeCollateral(account), netDeposits))
    }

    /// The collateral `withdraw` tests (equity, or `withdrawableCollateral` when unrealised
    /// profit may not back withdrawals) minus the initial margin, quantums; negative when
    /// the account is below its initial margin. Not capped by the USDC held.
    public func freeCollateral(_ account: PerpAccountID) throws(Revert) -> Int128 {
        let risk = try risk(of: account)
        let collateral =
            configuration.unrealisedProfitBacksWithdrawals
            ? risk.equity : try withdrawableCollateral(of: account, equity: risk.equity)
        return try PerpMath.sub(collateral, risk.initialMargin)
    }
}
