import CascadeCore

extension OptionsExchange {
    /// The requests the exchange accepts. Amounts and prices WAD of stablecoin, sizes WAD of
    /// the underlying.
    public enum Call: Hashable, Sendable {
        /// Opens an account owned by the caller; its id is in the `accountOpened` event.
        case openAccount(mode: OptionMarginMode)
        /// Credits `amount` to `account` (anyone may pay in; the chain moves the stablecoin).
        case deposit(account: OptionAccountID, amount: Int128)
        /// Pays `amount` of collateral out to the caller, who owns `account`; the account
        /// must still meet its initial margin.
        case withdraw(account: OptionAccountID, amount: Int128)
        /// Adds `amount` of the caller's stablecoin to the insurance fund.
        case fundInsurance(amount: Int128)
        /// Oracle: the underlying's price. Marks every unsettled series of the underlying
        /// and fixes the settlement price of those that have expired.
        case updatePrice(underlying: OptionUnderlyingID, price: Int128)
        /// `buyer` buys `size` of `series` from `seller` at `price` per unit; the premium
        /// `⌈size·price⌉` moves from the buyer's collateral to the seller's. The caller is
        /// the matcher, or owns both accounts. Both must meet initial margin afterwards.
        case trade(
            series: OptionSeriesID, buyer: OptionAccountID, seller: OptionAccountID,
            size: Int128, price: Int128)
        /// Liquidator: below maintenance margin, every position of `account` moves to
        /// `liquidator` (an account of the caller) at the mark, with the penalty.
        case liquidate(account: OptionAccountID, liquidator: OptionAccountID)
        /// Anyone, after the settlement price is fixed: pays out every position of `series`.
        case settle(series: OptionSeriesID)
    }

    /// Runs one call. On a revert, `self` and `events` are as they were.
    public mutating func apply(
        _ call: Call, caller: Address, block: BlockContext, events: inout [Event]
    ) throws(Revert) {
        var next = self
        var produced: [Event] = []
        try next.run(call, caller: caller, now: block.timestamp, events: &produced)
        self = next
        events.append(contentsOf: produced)
    }

    mutating func run(_ call: Call, caller: Address, now: UInt64, events: inout [Event])
        throws(Revert)
    {
        switch call {
        case .openAccount(let mode):
            switch mode {
            case .cross(let underlying), .portfolio(let underlying):
                guard Int(underlying.rawValue) < underlyings.count else {
                    throw Revert("Options/unknown-underlying")
                }
            case .isolated: break
            }
            let id = openAccount(owner: caller, mode: mode)
            events.append(.accountOpened(account: id, owner: caller, mode: mode))
        case .deposit(let account, let amount):
            try checkAccount(account)
            guard amount > 0 else { throw Revert("Options/non-positive-amount") }
            accounts[Int(account.rawValue)].collateral += amount
            netDeposits += amount
            events.append(.deposited(account: account, amount: amount))
        case .withdraw(let account, let amount):
            try withdraw(account, amount, caller: caller, now: now, events: &events)
        case .fundInsurance(let amount):
            guard amount > 0 else { throw Revert("Options/non-positive-amount") }
            insuranceFund += amount
            netDeposits += amount
            events.append(.insuranceFunded(amount: amount))
        case .updatePrice(let underlying, let price):
            try updatePrice(underlying, price, caller: caller, now: now, events: &events)
        case .trade(let id, let buyer, let seller, let size, let price):
            try trade(id, buyer, seller, size, price, caller: caller, now: now, events: &events)
        case .liquidate(let account, let liquidator):
            try liquidate(account, into: liquidator, caller: caller, now: now, events: &events)
        case .settle(let id):
            try settle(id, events: &events)
        }
    }

    func checkAccount(_ id: OptionAccountID) throws(Revert) {
        guard Int(id.rawValue) < accounts.count else { throw Revert("Options/unknown-account") }
    }

    func checkSeries(_ id: OptionSeriesID) throws(Revert) {
        guard Int(id.rawValue) < series.count else { throw Revert("Options/unknown-series") }
    }

    mutating func withdraw(
        _ id: OptionAccountID, _ amount: Int128, caller: Address, now: UInt64,
        events: inout [Event]
    ) throws(Revert) {
        try checkAccount(id)
        let index = Int(id.rawValue)
        guard accounts[index].owner == caller else { throw Revert("Options/not-owner") }
        guard amount > 0 else { throw Revert("Options/non-positive-amount") }
        guard accounts[index].collateral >= amount else {
            throw Revert("Options/insufficient-collateral")
        }
        accounts[index].collateral -= amount
        netDeposits -= amount
        guard margin(of: id, now: now).meetsInitial else {
            throw Revert("Options/undercollateralised")
        }
        events.append(.withdrawn(account: id, amount: amount))
    }

    mutating func updatePrice(
        _ id: OptionUnderlyingID, _ price: Int128, caller: Address, now: UInt64,
        events: inout [Event]
    ) throws(Revert) {
        guard caller == configuration.oracle else { throw Revert("Options/not-oracle") }
        guard Int(id.rawValue) < underlyings.count else {
            throw Revert("Options/unknown-underlying")
        }
        guard price > 0 else { throw Revert("Options/non-positive-price") }
        underlyings[Int(id.rawValue)].spot = price
        underlyings[Int(id.rawValue)].spotTimestamp = now
        events.append(.priceUpdated(underlying: id, price: price))
        let spot = OptionsMath.double(price) / OptionsMath.wad
        for index in series.indices where series[index].underlying == id {
            let option = series[index]
            guard !option.isSettled, option.settlementPrice == nil else { continue }
            if now >= option.expiry {
                series[index].settlementPrice = price
                series[index].mark = option.intrinsic(at: price)
                events.append(.settlementFixed(series: OptionSeriesID(index), price: price))
                continue
            }
            let model = model(OptionSeriesID(index), spot: spot, now: now)
            let valuation = model.valuation
            let mark = OptionsMath.wadRounded(valuation.price)
            series[index].mark = mark
            events.append(
                .marked(
                    OptionMark(
                        series: OptionSeriesID(index), kind: option.kind, spot: price,
                        strike: option.strike, volatility: model.volatility, rate: model.rate,
                        years: model.years, price: mark, delta: valuation.delta,
                        gamma: valuation.gamma, vega: valuation.vega, theta: valuation.theta)))
        }
    }

    mutating func trade(
        _ id: OptionSeriesID, _ buyer: OptionAccountID, _ seller: OptionAccountID,
        _ size: Int128, _ price: Int128, caller: Address, now: UInt64, events: inout [Event]
    ) throws(Revert) {
        try checkSeries(id)
        try checkAccount(buyer)
        try checkAccount(seller)
        guard buyer != seller else { throw Revert("Options/self-trade") }
        guard
            caller == configuration.matcher
                || (accounts[Int(buyer.rawValue)].owner == caller
                    && accounts[Int(seller.rawValue)].owner == caller)
        else { throw Revert("Options/not-matcher") }
        guard size > 0, price >= 0 else { throw Revert("Options/non-positive-size") }
        let option = series[Int(id.rawValue)]
        guard now < option.expiry, option.settlementPrice == nil else {
            throw Revert("Options/expired")
        }
        guard underlyings[Int(option.underlying.rawValue)].spot > 0 else {
            throw Revert("Options/no-price")
        }
        let premium = OptionsMath.mulDivCeil(size, price, OptionsMath.wadInteger)
        guard accounts[Int(buyer.rawValue)].collateral >= premium else {
            throw Revert("Options/insufficient-collateral")
        }
        try addPosition(id, size, to: buyer)
        try addPosition(id, -size, to: seller)
        accounts[Int(buyer.rawValue)].collateral -= premium
        accounts[Int(seller.rawValue)].collateral += premium
        var table = OptionRiskTable(exchange: self, now: now)
        guard margin(of: buyer, table: &table).meetsInitial,
            margin(of: seller, table: &table).meetsInitial
        else { throw Revert("Options/undercollateralised") }
        events.append(
            .traded(
                series: id, buyer: buyer, seller: seller, size: size, price: price,
                premium: premium))
    }

    /// Adds `size` (signed) of `id` to `account`, keeping positions in series order and the
    /// series' open interest exact; refuses a series the account's mode does not allow.
    mutating func addPosition(_ id: OptionSeriesID, _ size: Int128, to account: OptionAccountID)
        throws(Revert)
    {
        let index = Int(account.rawValue)
        let option = series[Int(id.rawValue)]
        var positions = accounts[index].positions
        switch accounts[index].mode {
        case .isolated:
            if let held = positions.first, held.series != id {
                throw Revert("Options/isolated-one-position")
            }
        case .cross(let underlying), .portfolio(let underlying):
            guard underlying == option.underlying else {
                throw Revert("Options/wrong-underlying")
            }
        }
        let slot = positions.firstIndex { $0.series >= id } ?? positions.count
        let before: Int128
        if slot < positions.count, positions[slot].series == id {
            before = positions[slot].size
            let after = before + size
            if after == 0 {
                positions.remove(at: slot)
            } else {
                positions[slot].size = after
            }
        } else {
            before = 0
            positions.insert(OptionPosition(series: id, size: size), at: slot)
        }
        let after = before + size
        series[Int(id.rawValue)].openInterest += max(after, 0) - max(before, 0)
        accounts[index].positions = positions
    }
}
