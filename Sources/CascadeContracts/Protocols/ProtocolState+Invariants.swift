import CascadeCore

extension ProtocolState {
    /// Verifies every component's books and the wiring between them:
    ///
    /// - the ledger conserves every token (supply = Σ balances), fees included;
    /// - the Maker system's books (`MakerSystem.checkInvariants`), no flash take unpaid;
    /// - each GemJoin adapter holds exactly the collateral that entered the Vat;
    /// - each pair's reserves fit in `uint112` and never exceed its balances, and a pair
    ///   with LP shares outstanding has non-empty reserves;
    /// - each oracle's own checks;
    /// - each lending pool's and perpetuals exchange's books, and each exchange's custody
    ///   holding at least its net deposits;
    /// - no transaction is half done (the journal is empty).
    ///
    /// Complexity: O(state); for tests and `--check`, not for every transaction.
    public func checkInvariants() throws(InvariantViolation) {
        guard !journal.inTransaction, journal.isEmpty else {
            throw InvariantViolation("state: a transaction is still open")
        }
        try ledger.checkInvariants()
        try maker.checkInvariants()
        for case let collateral? in collaterals {
            let held = UInt256(ledger.balance(of: collateral.token, collateral.join))
            let entered = maker.ilk(collateral.ilk).collateralEntered
            guard held == entered else {
                throw InvariantViolation(
                    "GemJoin \(collateral.join): holds \(held), Vat collateral \(entered)")
            }
        }
        for pair in pairs {
            let (balance0, balance1) = pair.balances(in: ledger)
            guard pair.reserve0 <= balance0, pair.reserve1 <= balance1,
                pair.reserve0 <= UniswapV2Pair.reserveLimit,
                pair.reserve1 <= UniswapV2Pair.reserveLimit
            else {
                throw InvariantViolation("pair \(pair.address): reserves above balances or limit")
            }
            let supply = ledger.totalSupply(of: pair.liquidityToken)
            guard supply == 0 || (!pair.reserve0.isZero && !pair.reserve1.isZero) else {
                throw InvariantViolation("pair \(pair.address): LP supply with an empty reserve")
            }
        }
        for osm in osms { try osm.checkInvariants() }
        for aggregator in aggregators { try aggregator.checkInvariants() }
        for view in anchoredViews { try view.checkInvariants() }
        try checkLendingInvariants()
    }
}
