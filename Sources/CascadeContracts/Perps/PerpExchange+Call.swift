import CascadeCore

extension PerpExchange {
    /// The requests the exchange accepts. Amounts in quantums, sizes in size units, prices
    /// in quantums per base unit, fractions in ppm (`PerpMath`).
    public enum Call: Hashable, Sendable {
        /// Opens an account owned by the caller; its id is in the `accountOpened` event.
        case openAccount(mode: PerpMarginMode)
        /// Credits `amount` of USDC to `account` (anyone may pay in; the chain moves the
        /// ERC-20 from the caller).
        case deposit(account: PerpAccountID, amount: Int128)
        /// Pays `amount` out to the caller, who owns `account`. The account must keep its
        /// initial margin; its quote balance may go negative (unrealised profit withdrawn).
        case withdraw(account: PerpAccountID, amount: Int128)
        /// Adds `amount` of the caller's USDC to the insurance fund.
        case fundInsurance(amount: Int128)
        /// Oracle: the market's new mark price.
        case updatePrice(market: PerpMarketID, price: Int128)
        /// Oracle: realised volatility for dynamic margin, ppm over the horizon the world
        /// chose.
        case setVolatility(market: PerpMarketID, volatilityPpm: Int128)
        /// `buyer` buys `size` from `seller` at `price`. The caller is the matcher, or owns
        /// both accounts (a self-trade).
        case trade(
            market: PerpMarketID, buyer: PerpAccountID, seller: PerpAccountID, size: Int128,
            price: Int128)
        /// Oracle: pays one interval of funding, from the period's premium index `P` (ppm
        /// per 8 h). Due one interval after the last payment.
        case fund(market: PerpMarketID, premiumPpm: Int128)
        /// Settles `account`'s unsettled funding (anyone; equity does not change).
        case settleFunding(account: PerpAccountID)
        /// Liquidator: takes `size` of `account`'s position into `liquidator` (an account of
        /// the caller) at `fillPrice`.
        case liquidate(
            account: PerpAccountID, market: PerpMarketID, size: Int128, fillPrice: Int128,
            liquidator: PerpAccountID)
        /// Anyone: the backstop vault takes over every position of `account` at mark.
        case backstop(account: PerpAccountID)
        /// Anyone: closes `account`'s position in `market` against ranked counterparties.
        case deleverage(account: PerpAccountID, market: PerpMarketID)
    }

    /// Runs one call. On a revert, `self` and `events` are as they were.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        if case .updatePrice(let market, let price) = call {
            // Every check comes before its one write, so a revert leaves `self` as it was
            // without saved books (whose copy of the markets made each update copy them).
            try updatePrice(market, price, caller: caller, events: &events)
            return
        }
        let saved = SavedBooks(self)
        let firstEvent = events.count
        undo.entries.removeAll(keepingCapacity: true)
        do {
            try run(call, caller: caller, now: block.timestamp, events: &events)
        } catch {
            for entry in undo.entries.reversed() { accounts[entry.index] = entry.account }
            undo.entries.removeAll(keepingCapacity: true)
            saved.restore(into: &self)
            events.removeSubrange(firstEvent...)
            throw error
        }
        undo.entries.removeAll(keepingCapacity: true)
    }

    private mutating func run(
        _ call: Call, caller: Address, now: UInt64, events: inout [Event]
    ) throws(Revert) {
        switch call {
        case .openAccount(let mode):
            if case .isolated(let market) = mode { try requireMarket(market) }
            let id = openAccount(owner: caller, mode: mode)
            events.append(.accountOpened(account: id, owner: caller, mode: mode))
        case .deposit(let account, let amount):
            try deposit(account: account, amount: amount, events: &events)
        case .withdraw(let account, let amount):
            try withdraw(account: account, amount: amount, caller: caller, events: &events)
        case .fundInsurance(let amount):
            try fundInsurance(amount: amount, caller: caller, events: &events)
        case .updatePrice(let market, let price):
            try updatePrice(market, price, caller: caller, events: &events)
        case .setVolatility(let market, let volatility):
            try requireOracle(caller)
            try requireMarket(market)
            guard volatility >= 0 else { throw Revert("Perp/invalid-volatility") }
            markets[Int(market.rawValue)].volatilityPpm = volatility
            events.append(.volatilitySet(market: market, volatilityPpm: volatility))
        case .trade(let market, let buyer, let seller, let size, let price):
            try trade(
                market: market, buyer: buyer, seller: seller, size: size, price: price,
                caller: caller, events: &events)
        case .fund(let market, let premium):
            try requireOracle(caller)
            try fund(market: market, premiumPpm: premium, now: now, events: &events)
        case .settleFunding(let account):
            try requireAccount(account)
            try settleFunding(account)
        case .liquidate(let account, let market, let size, let fillPrice, let liquidator):
            try liquidate(
                account: account, market: market, size: size, fillPrice: fillPrice,
                liquidator: liquidator, caller: caller, events: &events)
        case .backstop(let account):
            try backstop(account: account, events: &events)
        case .deleverage(let account, let market):
            try deleverage(account: account, market: market, events: &events)
        }
    }

    /// The oracle's new mark for `market`: checks, then the one write.
    private mutating func updatePrice(
        _ market: PerpMarketID, _ price: Int128, caller: Address, events: inout [Event]
    ) throws(Revert) {
        try requireOracle(caller)
        try requireMarket(market)
        guard price > 0 else { throw Revert("Perp/invalid-price") }
        markets[Int(market.rawValue)].price = price
        events.append(.priceUpdated(market: market, price: price))
    }

    // MARK: - Checks shared by the calls

    func requireMarket(_ market: PerpMarketID) throws(Revert) {
        guard Int(market.rawValue) < markets.count else { throw Revert("Perp/unknown-market") }
    }

    func requireAccount(_ account: PerpAccountID) throws(Revert) {
        guard Int(account.rawValue) < accounts.count else {
            throw Revert("Perp/unknown-account")
        }
    }

    func requireOracle(_ caller: Address) throws(Revert) {
        guard caller == configuration.oracle else { throw Revert("Perp/not-oracle") }
    }

    func requireOwner(_ account: PerpAccountID, _ caller: Address) throws(Revert) {
        try requireAccount(account)
        guard self.account(account).owner == caller else { throw Revert("Perp/not-owner") }
    }

    /// The market's price, or `Perp/no-price` before the oracle's first update.
    func markPrice(_ market: PerpMarketID) throws(Revert) -> Int128 {
        let price = markets[Int(market.rawValue)].price
        guard price > 0 else { throw Revert("Perp/no-price") }
        return price
    }

    /// Journals `account` before a write; every write to an account goes through here.
    mutating func saveAccount(_ account: PerpAccountID) {
        let index = Int(account.rawValue)
        undo.entries.append((index, accounts[index]))
    }
}

/// The exchange's small books, saved whole at the start of a call: markets are few, so a
/// copy (made lazily by copy-on-write) costs O(markets).
private struct SavedBooks {
    let markets: [PerpMarket]
    let insuranceFund: Int128
    let netDeposits: Int128
    let uncoveredLoss: Int128
    let accountCount: Int

    init(_ exchange: PerpExchange) {
        markets = exchange.markets
        insuranceFund = exchange.insuranceFund
        netDeposits = exchange.netDeposits
        uncoveredLoss = exchange.uncoveredLoss
        accountCount = exchange.accounts.count
    }

    func restore(into exchange: inout PerpExchange) {
        exchange.markets = markets
        exchange.insuranceFund = insuranceFund
        exchange.netDeposits = netDeposits
        exchange.uncoveredLoss = uncoveredLoss
        exchange.accounts.removeSubrange(accountCount...)
    }
}
