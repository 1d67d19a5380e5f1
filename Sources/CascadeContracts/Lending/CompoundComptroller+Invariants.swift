import CascadeCore

extension CompoundComptroller {
    /// Verifies the books; a violation is a bug in this model.
    ///
    /// - each market's `totalSupply` is the sum of its cToken balances;
    /// - each borrow index is at least 1e18 and every snapshot's index at most the
    ///   market's (interest only adds);
    /// - memberships name listed markets only; the oracle's own bounds hold.
    ///
    /// Cash against borrows and reserves is not an identity (each borrower's balance and
    /// the total accrue with separate truncations), so it is not checked here.
    ///
    /// Complexity: O(markets × addresses). Sums are order-independent.
    public func checkInvariants() throws(InvariantViolation) {
        for (index, market) in markets.enumerated() {
            var supply = UInt256.zero
            for entry in accountTokens[index].entries {
                let (next, overflow) = supply.addingReportingOverflow(entry.value)
                guard !overflow else {
                    throw InvariantViolation("Compound market \(index): balances overflow")
                }
                supply = next
            }
            guard supply == market.totalSupply else {
                throw InvariantViolation(
                    "Compound market \(index): totalSupply \(market.totalSupply) != sum \(supply)")
            }
            guard market.borrowIndex >= .wad else {
                throw InvariantViolation("Compound market \(index): borrow index below 1e18")
            }
            for entry in accountBorrows[index].entries
            where entry.value.interestIndex > market.borrowIndex {
                throw InvariantViolation(
                    "Compound market \(index): account \(entry.index)'s index is ahead")
            }
        }
        let listed: UInt64 = markets.count == 64 ? .max : (1 << UInt64(markets.count)) - 1
        for entry in memberships.entries where entry.value & ~listed != 0 {
            throw InvariantViolation("Compound: account \(entry.index) entered an unlisted market")
        }
        try oracle.checkInvariants()
    }
}
