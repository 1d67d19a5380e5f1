import CascadeCore

/// The line between safe and unsafe positions of one market at one moment: a position
/// holding `collateral` units against `debt` units is unsafe iff
/// `collateral · collateralValue < debt · debtValue`, both products exact at 512 bits.
///
/// This is the shape of dss's Vat check `ink · spot < art · rate` (Maker: `collateralValue`
/// is the ilk's `spot`, `debtValue` its `rate`), and of any single-collateral,
/// single-debt health check (collateral amount times its discounted price against debt
/// times its price). Because both values are per market, they are applied only when a
/// query is made: the index never stores them, so changing them costs nothing.
public struct SafetyThreshold: Hashable, Sendable {
    /// Value of one unit of collateral (Maker: `spot`, RAY).
    public var collateralValue: UInt256
    /// Value of one unit of debt (Maker: `rate`, RAY).
    public var debtValue: UInt256

    public init(collateralValue: UInt256, debtValue: UInt256) {
        self.collateralValue = collateralValue
        self.debtValue = debtValue
    }

    /// Whether a position is unsafe: `collateral · collateralValue < debt · debtValue`,
    /// compared at full width, exactly as the Vat compares `ink · spot` with `art · rate`.
    @inlinable
    public func isUnsafe(collateral: UInt256, debt: UInt256) -> Bool {
        compareProducts(collateral, collateralValue, debt, debtValue) < 0
    }
}

/// The sign of `a · b − c · d` (−1, 0 or 1), with both products exact at 512 bits.
///
/// When all four factors are below 2^128 (every realistic WAD or RAY amount) the products
/// are taken at 256 bits, which is several times cheaper than the general path; a factor
/// of one costs no product.
@inlinable
func compareProducts(_ a: UInt256, _ b: UInt256, _ c: UInt256, _ d: UInt256) -> Int {
    if (a.high | b.high | c.high | d.high) == 0 {
        // `UInt256.wideProduct`, not `UInt128.multipliedFullWidth` (the standard library's
        // generic algorithm, 4% of a Black Thursday run from the queries alone).
        let left = UInt256.wideProduct(a.low, b.low)
        let right = UInt256.wideProduct(c.low, d.low)
        if left.high != right.high { return left.high < right.high ? -1 : 1 }
        if left.low != right.low { return left.low < right.low ? -1 : 1 }
        return 0
    }
    // A factor of one is common (`PerpAccountIndex` keys one side of each test on 1), and
    // skipping its product halves the 512-bit work.
    let left = b == .one ? (high: .zero, low: a) : a.multipliedFullWidth(by: b)
    let right = d == .one ? (high: .zero, low: c) : c.multipliedFullWidth(by: d)
    if left.high != right.high { return left.high < right.high ? -1 : 1 }
    if left.low != right.low { return left.low < right.low ? -1 : 1 }
    return 0
}
