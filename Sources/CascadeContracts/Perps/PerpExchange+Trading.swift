import CascadeCore

extension PerpExchange {
    mutating func deposit(account: PerpAccountID, amount: Int128, events: inout [Event])
        throws(Revert)
    {
        try requireAccount(account)
        guard amount > 0 else { throw Revert("Perp/invalid-amount") }
        netDeposits = try PerpMath.add(netDeposits, amount)
        try creditQuote(account, amount)
        events.append(.deposited(account: account, amount: amount))
    }

    /// Pays out to the owner if the account keeps its initial margin afterwards, out of the
    /// USDC every depositor left in the exchange. With `unrealisedProfitBacksWithdrawals`
    /// (the default, Mango Markets v3) unrealised profit counts as equity, so the quote
    /// balance may go negative: the profit is borrowed against, and on Mango Markets an
    /// oracle pushed up on thin venues made such profit, and it was withdrawn. Without it,
    /// the test is `withdrawableCollateral` ≥ initial margin.
    mutating func withdraw(
        account: PerpAccountID, amount: Int128, caller: Address, events: inout [Event]
    ) throws(Revert) {
        try requireOwner(account, caller)
        guard amount > 0 else { throw Revert("Perp/invalid-amount") }
        guard amount <= netDeposits else { throw Revert("Perp/insufficient-vault-balance") }
        try settleFunding(account)
        netDeposits -= amount
        try creditQuote(account, -amount)
        let after = try risk(of: account)
        let collateral =
            configuration.unrealisedProfitBacksWithdrawals
            ? after.equity : try withdrawableCollateral(of: account, equity: after.equity)
        guard collateral >= after.initialMargin else {
            throw Revert("Perp/insufficient-margin")
        }
        events.append(.withdrew(account: account, amount: amount))
    }

    mutating func fundInsurance(amount: Int128, caller: Address, events: inout [Event])
        throws(Revert)
    {
        guard amount > 0 else { throw Revert("Perp/invalid-amount") }
        netDeposits = try PerpMath.add(netDeposits, amount)
        insuranceFund = try PerpMath.add(insuranceFund, amount)
        events.append(.insuranceFunded(by: caller, amount: amount))
    }

    /// A fill between two accounts at the venue's price. Both accounts settle funding
    /// first, then must pass `requireMargin`; the fill may not raise open interest past the
    /// market's cap.
    mutating func trade(
        market: PerpMarketID, buyer: PerpAccountID, seller: PerpAccountID, size: Int128,
        price: Int128, caller: Address, events: inout [Event]
    ) throws(Revert) {
        try requireMarket(market)
        try requireAccount(buyer)
        try requireAccount(seller)
        guard buyer != seller else { throw Revert("Perp/same-account") }
        let ownsBoth = account(buyer).owner == caller && account(seller).owner == caller
        guard caller == configuration.matcher || ownsBoth else {
            throw Revert("Perp/not-authorized")
        }
        guard size > 0 else { throw Revert("Perp/invalid-size") }
        guard price > 0 else { throw Revert("Perp/invalid-price") }
        _ = try markPrice(market)
        try requireMayHold(buyer, market)
        try requireMayHold(seller, market)
        try settleFunding(buyer)
        try settleFunding(seller)
        let buyerBefore = try risk(of: buyer)
        let sellerBefore = try risk(of: seller)
        let openInterestBefore = self.market(market).openInterest
        let quote = try PerpMath.mulDiv(size, price, PerpMath.sizeScale, .down)
        try fill(buyer, market: market, sizeChange: size, quoteChange: -quote)
        try fill(seller, market: market, sizeChange: -size, quoteChange: quote)
        let openInterest = self.market(market).openInterest
        guard
            openInterest <= openInterestBefore
                || openInterest <= self.market(market).terms.openInterestCap
        else { throw Revert("Perp/open-interest-cap") }
        try requireMargin(buyer, before: buyerBefore)
        try requireMargin(seller, before: sellerBefore)
        events.append(
            .traded(
                PerpTrade(
                    market: market, buyer: buyer, seller: seller, size: size, price: price,
                    quote: quote, openInterest: openInterest)))
    }

    func requireMayHold(_ account: PerpAccountID, _ market: PerpMarketID) throws(Revert) {
        guard self.account(account).mayHold(market) else {
            throw Revert("Perp/isolated-market-mismatch")
        }
    }

    // MARK: - Primitive writes

    /// Adds `amount` (signed) to `account`'s quote balance.
    mutating func creditQuote(_ account: PerpAccountID, _ amount: Int128) throws(Revert) {
        saveAccount(account)
        let index = Int(account.rawValue)
        accounts[index].quoteBalance = try PerpMath.add(accounts[index].quoteBalance, amount)
    }

    /// One side of a fill: `account`'s size in `market` changes by `sizeChange` and its quote
    /// balance by `quoteChange`, keeping the market's open interest and funding books exact.
    ///
    /// Precondition: the account's funding is settled (its snapshot equals its side's
    /// index), so the position's funding contribution is zero before and after. The open
    /// interest is exact once both sides of a fill are applied.
    mutating func fill(
        _ account: PerpAccountID, market: PerpMarketID, sizeChange: Int128, quoteChange: Int128
    ) throws(Revert) {
        try creditQuote(account, quoteChange)
        let index = Int(account.rawValue)
        let slot = accounts[index].positions.firstIndex { $0.market >= market }
        let existing = slot.flatMap { accounts[index].positions[$0].market == market ? $0 : nil }
        let old = existing.map { accounts[index].positions[$0] }
        let oldSize = old?.size ?? 0
        let newSize = try PerpMath.add(oldSize, sizeChange)
        var state = self.market(market)
        let longChange = try PerpMath.sub(max(newSize, 0), max(oldSize, 0))
        state.openInterest = try PerpMath.add(state.openInterest, longChange)
        let snapshot = state.fundingIndex(forSize: newSize)
        let oldWeight = try PerpMath.mul(oldSize, old?.fundingSnapshot ?? 0)
        let newWeight = try PerpMath.mul(newSize, snapshot)
        state.fundingSnapshotSum = try PerpMath.add(
            state.fundingSnapshotSum, PerpMath.sub(newWeight, oldWeight))
        let entry = try Self.entryAfterFill(
            entry: old?.entryQuote ?? 0, oldSize: oldSize, sizeChange: sizeChange,
            cost: PerpMath.negate(quoteChange))
        markets[Int(market.rawValue)] = state
        let position = PerpPosition(
            market: market, size: newSize, entryQuote: entry, fundingSnapshot: snapshot)
        switch (existing, newSize) {
        case (let at?, 0): accounts[index].positions.remove(at: at)
        case (let at?, _): accounts[index].positions[at] = position
        case (nil, 0): break
        case (nil, _):
            accounts[index].positions.insert(
                position, at: slot ?? accounts[index].positions.endIndex)
        }
    }

    /// The cost basis after a fill that cost the account `cost` quantums (negative when it
    /// received quote): added on opening or increasing, cut pro rata on reducing, and on a
    /// flip through zero the share of the fill's cost that opened the new side.
    static func entryAfterFill(entry: Int128, oldSize: Int128, sizeChange: Int128, cost: Int128)
        throws(Revert) -> Int128
    {
        let newSize = try PerpMath.add(oldSize, sizeChange)
        if newSize == 0 { return 0 }
        if oldSize == 0 || (oldSize > 0) == (sizeChange > 0) {
            return try PerpMath.add(entry, cost)
        }
        if (oldSize > 0) == (newSize > 0) {
            return try PerpMath.mulDiv(entry, newSize, oldSize, .towardZero)
        }
        return try PerpMath.mulDiv(cost, newSize, sizeChange, .towardZero)
    }
}
