import CascadeCore

extension AavePool {
    /// Verifies the pool's books; a violation is a bug in this model.
    ///
    /// - each reserve's `scaledSupply` is the sum of its scaled aToken balances, and its
    ///   `scaledVariableDebt` the sum of its scaled debts;
    /// - indexes never fall below 1 RAY (interest only adds);
    /// - every reserve's price is in (0, 2^96).
    ///
    /// Complexity: O(reserves × addresses). Sums are order-independent.
    public func checkInvariants() throws(InvariantViolation) {
        for (asset, reserve) in reserves.enumerated() {
            let supply = try Self.total(of: scaledCollateral[asset], "aToken", asset)
            guard supply == reserve.scaledSupply else {
                throw InvariantViolation(
                    "Aave reserve \(asset): scaled supply \(reserve.scaledSupply) != sum \(supply)")
            }
            let debt = try Self.total(of: scaledDebt[asset], "debt", asset)
            guard debt == reserve.scaledVariableDebt else {
                throw InvariantViolation(
                    "Aave reserve \(asset): scaled debt \(reserve.scaledVariableDebt) != sum \(debt)"
                )
            }
            guard reserve.liquidityIndex >= .ray, reserve.variableBorrowIndex >= .ray else {
                throw InvariantViolation("Aave reserve \(asset): an index fell below 1 RAY")
            }
            guard !reserve.price.isZero, reserve.price < Self.priceLimit else {
                throw InvariantViolation(
                    "Aave reserve \(asset): price \(reserve.price) out of range")
            }
        }
    }

    private static func total(of table: DenseTable<UInt256>, _ what: String, _ asset: Int)
        throws(InvariantViolation) -> UInt256
    {
        var sum = UInt256.zero
        for entry in table.entries {
            let (next, overflow) = sum.addingReportingOverflow(entry.value)
            guard !overflow else {
                throw InvariantViolation("Aave reserve \(asset): \(what) balances overflow")
            }
            sum = next
        }
        return sum
    }
}
