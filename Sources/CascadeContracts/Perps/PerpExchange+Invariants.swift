import CascadeCore

extension PerpExchange {
    /// Verifies the exchange's books; a violation is a bug in this model, never user error.
    ///
    /// - per market: the long sizes, the short sizes and `openInterest` are equal;
    ///   `fundingSnapshotSum` is `Σ size × snapshot`; the funding pool covers every
    ///   unsettled claim (its dust is never negative);
    /// - the insurance fund, the USDC held and the uncovered loss are never negative;
    /// - USDC is conserved: `Σ Q + insurance fund + Σ funding pools = net deposits +
    ///   uncovered loss` (every quantum credited to someone was paid in, or is owed);
    /// - positions are non-zero, sorted by market, in markets the account may hold.
    ///
    /// Complexity: O(accounts · positions).
    public func checkInvariants() throws(InvariantViolation) {
        guard insuranceFund >= 0 else {
            throw InvariantViolation("Perp: insurance fund \(insuranceFund) < 0")
        }
        guard netDeposits >= 0 && uncoveredLoss >= 0 else {
            throw InvariantViolation("Perp: net deposits or uncovered loss < 0")
        }
        var longs = [Int128](repeating: 0, count: markets.count)
        var shorts = [Int128](repeating: 0, count: markets.count)
        var weights = [Int128](repeating: 0, count: markets.count)
        var quote: Int128 = 0
        for (index, account) in accounts.enumerated() {
            quote = try checked { () throws(Revert) in
                try PerpMath.add(quote, account.quoteBalance)
            }
            var previous: PerpMarketID?
            for position in account.positions {
                let market = Int(position.market.rawValue)
                guard position.size != 0, account.mayHold(position.market),
                    previous.map({ $0 < position.market }) ?? true
                else { throw InvariantViolation("Perp: account \(index) has a bad position list") }
                previous = position.market
                try checked { () throws(Revert) in
                    if position.size > 0 {
                        longs[market] = try PerpMath.add(longs[market], position.size)
                    } else {
                        shorts[market] = try PerpMath.sub(shorts[market], position.size)
                    }
                    weights[market] = try PerpMath.add(
                        weights[market], PerpMath.mul(position.size, position.fundingSnapshot))
                }
            }
        }
        var held = try checked { () throws(Revert) in try PerpMath.add(quote, insuranceFund) }
        for (index, market) in markets.enumerated() {
            let name = market.terms.name
            guard longs[index] == market.openInterest && shorts[index] == market.openInterest
            else {
                throw InvariantViolation(
                    "\(name): longs \(longs[index]), shorts \(shorts[index]), "
                        + "open interest \(market.openInterest)")
            }
            guard weights[index] == market.fundingSnapshotSum else {
                throw InvariantViolation("\(name): funding snapshot sum is stale")
            }
            let dust = try checked { () throws(Revert) in try market.fundingDust }
            guard dust >= 0 else {
                throw InvariantViolation("\(name): funding pool short of its claims by \(-dust)")
            }
            held = try checked { () throws(Revert) in try PerpMath.add(held, market.fundingPool) }
        }
        let owed = try checked { () throws(Revert) in try PerpMath.add(netDeposits, uncoveredLoss) }
        guard held == owed else {
            throw InvariantViolation(
                "Perp: balances, fund and pools hold \(held), deposits plus uncovered are \(owed)")
        }
    }

    /// Runs `body`, reporting an overflow in the books as a violation.
    private func checked<T>(_ body: () throws(Revert) -> T) throws(InvariantViolation) -> T {
        do {
            return try body()
        } catch {
            throw InvariantViolation("Perp: books overflow (\(error))")
        }
    }
}
