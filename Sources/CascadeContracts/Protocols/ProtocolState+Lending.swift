import CascadeCore

/// Where a perpetuals exchange keeps the USDC its accounts and insurance fund deposited.
///
/// The exchange books quote amounts in quantums (USDC's 6 decimals, `PerpMath`), so `quote`
/// is a ledger token whose base unit is one quantum; `custody` holds at least the exchange's
/// `netDeposits` (checked by `checkInvariants`; more only if someone sent USDC to it
/// directly, which the exchange never pays out).
public struct PerpWiring: Hashable, Sendable {
    public let quote: TokenID
    public let custody: Address

    public init(quote: TokenID, custody: Address) {
        self.quote = quote
        self.custody = custody
    }
}

extension ProtocolState {
    // MARK: - Wiring (world setup)

    /// Adds an Aave-style pool (its reserves' tokens must be in the ledger); returns its
    /// index for `.aave(pool:_:)`.
    public mutating func addAavePool(_ pool: AavePool) -> Int {
        for reserve in pool.reserves {
            precondition(
                Int(reserve.configuration.token.rawValue) < ledger.tokenCount,
                "a reserve's token is not in the ledger")
        }
        aavePools.append(pool)
        return aavePools.count - 1
    }

    /// Adds a Compound-style comptroller with its markets; returns its index for
    /// `.compound(comptroller:_:)`.
    public mutating func addCompoundComptroller(_ comptroller: CompoundComptroller) -> Int {
        for market in comptroller.markets {
            precondition(
                Int(market.configuration.underlying.rawValue) < ledger.tokenCount,
                "a market's underlying token is not in the ledger")
        }
        compoundComptrollers.append(comptroller)
        return compoundComptrollers.count - 1
    }

    /// Adds a perpetuals exchange whose USDC is `wiring.quote`, held at `wiring.custody`;
    /// returns its index for `.perp(exchange:_:)`. The custody address must hold at least
    /// the exchange's deposits (none, for a new exchange).
    public mutating func addPerpExchange(_ exchange: PerpExchange, wiring: PerpWiring) -> Int {
        precondition(Int(wiring.quote.rawValue) < ledger.tokenCount, "unknown quote token")
        precondition(
            exchange.netDeposits >= 0
                && UInt128(exchange.netDeposits)
                    <= ledger.balance(of: wiring.quote, wiring.custody),
            "the custody address must hold the exchange's deposits")
        perpExchanges.append(exchange)
        perpWirings.append(wiring)
        return perpExchanges.count - 1
    }

    // MARK: - Dispatch

    mutating func performAave(
        _ index: Int, _ call: AavePool.Call, caller: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        guard aavePools.indices.contains(index) else { throw Revert("Aave/unknown-pool") }
        // A pool priced from a pair reads it now, as its oracle would inside the call. Alone
        // (no journal) a revert must leave the old prices: they are put back by hand.
        var saved: [UInt256]?
        if dexPriceFeeds.contains(where: { $0.pool == index }) {
            if !journal.isRecording { saved = aavePools[index].reserves.map(\.price) }
            try refreshDexPrices(pool: index)
        }
        var produced: [AavePool.Event] = []
        do {
            try aavePools[index].apply(
                call, caller: caller, block: block, ledger: &ledger, events: &produced)
        } catch {
            if let saved {
                for (asset, price) in saved.enumerated() {
                    aavePools[index].reserves[asset].price = price
                }
            }
            throw error
        }
        for event in produced { events.append(.aave(pool: index, event)) }
    }

    mutating func performCompound(
        _ index: Int, _ call: CompoundComptroller.Call, caller: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        guard compoundComptrollers.indices.contains(index) else {
            throw Revert("Comptroller/unknown")
        }
        var produced: [CompoundComptroller.Event] = []
        try compoundComptrollers[index].apply(
            call, caller: caller, block: block, ledger: &ledger, events: &produced)
        for event in produced { events.append(.compound(comptroller: index, event)) }
    }

    /// Runs a perpetuals call and moves the USDC it books: a deposit or insurance top-up
    /// from the caller into custody (its balance checked first, so the exchange is only
    /// written when the transfer will succeed), a withdrawal out of custody (which always
    /// holds the exchange's net deposits, and the exchange pays out no more than those).
    mutating func performPerp(
        _ index: Int, _ call: PerpExchange.Call, caller: Address, block: BlockContext,
        events: inout [Event]
    ) throws(Revert) {
        guard perpExchanges.indices.contains(index) else { throw Revert("Perp/unknown-exchange") }
        let wiring = perpWirings[index]
        var incoming: UInt128 = 0
        var outgoing: UInt128 = 0
        switch call {
        case .deposit(_, let amount), .fundInsurance(let amount):
            guard amount > 0 else { throw Revert("Perp/non-positive-amount") }
            incoming = UInt128(amount)
            guard ledger.balance(of: wiring.quote, caller) >= incoming else {
                throw Revert("\(ledger.symbol(of: wiring.quote))/insufficient-balance")
            }
        case .withdraw(_, let amount):
            guard amount > 0 else { throw Revert("Perp/non-positive-amount") }
            outgoing = UInt128(amount)
        default:
            break
        }
        perpEvents.removeAll(keepingCapacity: true)
        try perpExchanges[index].apply(call, caller: caller, block: block, events: &perpEvents)
        do {
            if incoming > 0 {
                try ledger.transfer(
                    wiring.quote, from: caller, to: wiring.custody, amount: incoming)
            }
            if outgoing > 0 {
                try ledger.transfer(
                    wiring.quote, from: wiring.custody, to: caller, amount: outgoing)
            }
        } catch {
            preconditionFailure("perp USDC transfer failed after its checks: \(error)")
        }
        for event in perpEvents { events.append(.perp(exchange: index, event)) }
    }

    // MARK: - Journal footprints

    /// Saves what a lending or perpetuals call may write when it runs inside a bundle: the
    /// whole component (copy-on-write: the call's own write then copies its books once), and
    /// every ledger balance its transfers may touch — the caller's and the other party's
    /// (`user`, `borrower`), each custody address's and the treasury's, in every token of
    /// the component.
    mutating func recordLendingFootprint(of call: Call, caller: Address) {
        switch call {
        case .aave(let index, let aaveCall):
            guard aavePools.indices.contains(index) else { return }
            let pool = aavePools[index]
            journal.components.append(.aavePool(index, pool))
            var holders = [caller, pool.configuration.treasury]
            if case .liquidationCall(_, _, let user, _, _) = aaveCall { holders.append(user) }
            holders += pool.reserves.map(\.configuration.aToken)
            saveBalances(of: holders, in: pool.reserves.map(\.configuration.token))
        case .compound(let index, let compoundCall):
            guard compoundComptrollers.indices.contains(index) else { return }
            let comptroller = compoundComptrollers[index]
            journal.components.append(.compoundComptroller(index, comptroller))
            var holders = [caller]
            if case .liquidateBorrow(_, let borrower, _, _) = compoundCall {
                holders.append(borrower)
            }
            holders += comptroller.markets.map(\.configuration.cToken)
            saveBalances(of: holders, in: comptroller.markets.map(\.configuration.underlying))
        case .perp(let index, let perpCall):
            guard perpExchanges.indices.contains(index) else { return }
            if case .updatePrice(let market, _) = perpCall {
                // Its one write is the mark, and it moves no USDC.
                let slot = Int(market.rawValue)
                guard slot < perpExchanges[index].markets.count else { return }
                journal.components.append(
                    .perpMark(
                        exchange: index, market: slot,
                        price: perpExchanges[index].markets[slot].price))
                return
            }
            journal.components.append(.perpExchange(index, perpExchanges[index]))
            let wiring = perpWirings[index]
            saveBalances(of: [caller, wiring.custody], in: [wiring.quote])
        case .options(let index, _):
            guard optionsExchanges.indices.contains(index) else { return }
            journal.components.append(.optionsExchange(index, optionsExchanges[index]))
            let wiring = optionsWirings[index]
            saveBalances(of: [caller, wiring.custody], in: [wiring.quote])
        default:
            return
        }
    }

    mutating func saveBalances(of holders: [Address], in tokens: [TokenID]) {
        for token in tokens where Int(token.rawValue) < ledger.tokenCount {
            for holder in holders { saveBalance(token, holder) }
        }
    }

    // MARK: - Invariants

    /// Each lending pool's and exchange's books, and each exchange's custody holding at
    /// least its net deposits (what a withdrawal may take out).
    func checkLendingInvariants() throws(InvariantViolation) {
        for pool in aavePools { try pool.checkInvariants() }
        for comptroller in compoundComptrollers { try comptroller.checkInvariants() }
        for (exchange, wiring) in zip(perpExchanges, perpWirings) {
            try exchange.checkInvariants()
            let held = ledger.balance(of: wiring.quote, wiring.custody)
            guard exchange.netDeposits >= 0, UInt128(exchange.netDeposits) <= held else {
                throw InvariantViolation(
                    "perp custody \(wiring.custody): holds \(held), deposits "
                        + "\(exchange.netDeposits)")
            }
        }
        for (exchange, wiring) in zip(optionsExchanges, optionsWirings) {
            try exchange.checkInvariants()
            let held = ledger.balance(of: wiring.quote, wiring.custody)
            guard exchange.netDeposits >= 0, UInt128(exchange.netDeposits) == held else {
                throw InvariantViolation(
                    "options custody \(wiring.custody): holds \(held), deposits "
                        + "\(exchange.netDeposits)")
            }
        }
    }
}
