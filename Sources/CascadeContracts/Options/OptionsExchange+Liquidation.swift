import CascadeCore

extension OptionsExchange {
    /// Moves every position of `id` to `liquidatorID` at the mark, then charges the
    /// penalty, then covers any deficit from the insurance fund and records the rest as
    /// bad debt.
    ///
    /// Arithmetic (all WAD, exact): the transfer value is `V = Σ ⌊size·mark⌋` — the
    /// liquidator pays `V` to the account for a net long book, and is paid `−V` for a net
    /// short one (rounded against the liquidated account by the floor). The penalty is
    /// `⌊penalty × maintenance⌋`, capped by the collateral left after the transfer. A
    /// negative balance left after the transfer is the shortfall.
    mutating func liquidate(
        _ id: OptionAccountID, into liquidatorID: OptionAccountID, caller: Address, now: UInt64,
        events: inout [Event]
    ) throws(Revert) {
        try checkAccount(id)
        try checkAccount(liquidatorID)
        guard id != liquidatorID else { throw Revert("Options/self-liquidation") }
        guard accounts[Int(liquidatorID.rawValue)].owner == caller else {
            throw Revert("Options/not-owner")
        }
        var table = OptionRiskTable(exchange: self, now: now)
        let before = margin(of: id, table: &table)
        guard before.isLiquidatable else { throw Revert("Options/not-liquidatable") }
        let index = Int(id.rawValue)
        let liquidatorIndex = Int(liquidatorID.rawValue)
        let positions = accounts[index].positions
        var value: Int128 = 0
        for position in positions {
            value += markedValue(position)
            try addPosition(position.series, position.size, to: liquidatorID)
            try addPosition(position.series, -position.size, to: id)
        }
        // The liquidator pays the book's value (receives it, for a short book).
        guard accounts[liquidatorIndex].collateral >= value else {
            throw Revert("Options/insufficient-collateral")
        }
        accounts[liquidatorIndex].collateral -= value
        var balance = accounts[index].collateral + value
        let penaltyDue = OptionsMath.mulDivFloor(
            before.maintenance, Int128(configuration.margin.liquidationPenaltyPpm), 1_000_000)
        let penalty = min(penaltyDue, max(balance, 0))
        balance -= penalty
        accounts[liquidatorIndex].collateral += penalty
        let (fromFund, uncovered) = coverShortfall(&balance)
        accounts[index].collateral = balance
        guard margin(of: liquidatorID, table: &table).meetsInitial else {
            throw Revert("Options/liquidator-undercollateralised")
        }
        liquidationCount += 1
        events.append(
            .liquidated(
                OptionLiquidation(
                    account: id, liquidator: liquidatorID, positions: positions,
                    equity: before.equity, maintenance: before.maintenance, value: value,
                    penalty: penalty, insuranceCover: fromFund, badDebt: uncovered)))
    }

    /// Brings a negative `balance` to zero from the insurance fund, then bad debt; returns
    /// what each paid.
    mutating func coverShortfall(_ balance: inout Int128) -> (fund: Int128, badDebt: Int128) {
        guard balance < 0 else { return (0, 0) }
        let deficit = -balance
        let fromFund = min(deficit, insuranceFund)
        insuranceFund -= fromFund
        insurancePaid += fromFund
        let uncovered = deficit - fromFund
        badDebt += uncovered
        balance = 0
        return (fromFund, uncovered)
    }

    /// Pays out every position of `id` at its settlement price: each account's balance
    /// moves by `⌊size·payoff⌋` (longs round down, shorts' debts round up); the remainder
    /// `−Σ⌊size·payoff⌋ ≥ 0` goes to the insurance fund; then each account left negative
    /// is covered from the fund, the rest bad debt (in account order; the event lists each
    /// such account's share, so a race can be charged its own).
    mutating func settle(_ id: OptionSeriesID, events: inout [Event]) throws(Revert) {
        try checkSeries(id)
        let option = series[Int(id.rawValue)]
        guard !option.isSettled else { throw Revert("Options/already-settled") }
        guard let price = option.settlementPrice else { throw Revert("Options/not-expired") }
        let payoff = option.intrinsic(at: price)
        var paid: Int128 = 0
        var collected: Int128 = 0
        var negative: [Int] = []
        for index in accounts.indices {
            let size = accounts[index].size(in: id)
            guard size != 0 else { continue }
            let amount = OptionsMath.mulDivFloor(size, payoff, OptionsMath.wadInteger)
            if amount >= 0 { paid += amount } else { collected -= amount }
            try addPosition(id, -size, to: OptionAccountID(index))
            accounts[index].collateral += amount
            if accounts[index].collateral < 0 { negative.append(index) }
        }
        let remainder = collected - paid
        insuranceFund += remainder
        var fundCover: Int128 = 0
        var uncovered: Int128 = 0
        var deficits: [OptionSettlementDeficit] = []
        for index in negative {
            var balance = accounts[index].collateral
            let (fund, debt) = coverShortfall(&balance)
            accounts[index].collateral = balance
            fundCover += fund
            uncovered += debt
            deficits.append(
                OptionSettlementDeficit(
                    account: OptionAccountID(index), insuranceCover: fund, badDebt: debt))
        }
        series[Int(id.rawValue)].isSettled = true
        events.append(
            .settled(
                series: id, price: price, payoff: payoff, paidToLongs: paid,
                collectedFromShorts: collected, toInsurance: remainder, insuranceCover: fundCover,
                badDebt: uncovered, deficits: deficits))
    }

    // MARK: - Invariants

    /// The books: no negative balance or fund; `Σ collateral + fund = netDeposits +
    /// badDebt`; positions sorted, non-zero and allowed by their account's mode; each
    /// series' sizes sum to zero and its longs to its open interest; settled series hold no
    /// positions.
    public func checkInvariants() throws(InvariantViolation) {
        guard insuranceFund >= 0, badDebt >= 0 else {
            throw InvariantViolation("options: negative insurance fund or bad debt")
        }
        var claims = insuranceFund
        var net = Array(repeating: Int128(0), count: series.count)
        var longs = Array(repeating: Int128(0), count: series.count)
        for (index, account) in accounts.enumerated() {
            guard account.collateral >= 0 else {
                throw InvariantViolation("options account \(index): negative collateral")
            }
            claims += account.collateral
            if case .isolated = account.mode, account.positions.count > 1 {
                throw InvariantViolation("options account \(index): isolated with two positions")
            }
            var previous: OptionSeriesID?
            for position in account.positions {
                guard position.size != 0, previous.map({ $0 < position.series }) ?? true else {
                    throw InvariantViolation("options account \(index): positions out of order")
                }
                previous = position.series
                let slot = Int(position.series.rawValue)
                net[slot] += position.size
                longs[slot] += max(position.size, 0)
                switch account.mode {
                case .cross(let underlying), .portfolio(let underlying):
                    guard series[slot].underlying == underlying else {
                        throw InvariantViolation("options account \(index): wrong underlying")
                    }
                case .isolated: break
                }
            }
        }
        guard claims == netDeposits + badDebt else {
            throw InvariantViolation(
                "options: collateral \(claims) ≠ deposits \(netDeposits) + bad debt \(badDebt)")
        }
        for (slot, option) in series.enumerated() {
            guard net[slot] == 0, longs[slot] == option.openInterest else {
                throw InvariantViolation("options series \(slot): sizes do not balance")
            }
            guard !option.isSettled || option.openInterest == 0 else {
                throw InvariantViolation("options series \(slot): settled with positions")
            }
        }
    }
}
