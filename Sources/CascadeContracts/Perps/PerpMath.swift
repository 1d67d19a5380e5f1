import CascadeCore

/// The perpetuals exchange's units and its checked signed arithmetic.
///
/// Perpetuals need signed amounts everywhere: a short is a negative size, a trader who
/// withdrew unrealised profit has a negative quote balance, funding flows both ways. Every
/// amount is an `Int128` in a fixed unit, the way dYdX v4 keeps "quantums":
///
/// | amount | unit | example |
/// |---|---|---|
/// | quote (USDC) | 1e-6 USDC, a *quantum* | 1 USDC = 1_000_000 |
/// | size | 1e-9 of a base unit, signed (short < 0) | −1.5 ETH = −1_500_000_000 |
/// | price | quantums per whole base unit | $3000 = 3_000_000_000 |
/// | fraction, rate | parts per million (ppm) | 5% = 50_000 |
/// | funding index | quantums per whole base unit × 1e3 | Drift's funding precision |
///
/// Why `Int128` and not a sign plus a `UInt256`: native two's-complement arithmetic reads
/// like the formulas, and 2^127 quantums is 1.7e26 USDC, so no realistic book comes close.
/// Products that could pass 2^127 (size × price × fraction) are taken at full 256-bit width
/// before dividing. Why these scales: USDC has 6 decimals, and the size and funding scales
/// are Drift v2's (`BASE_PRECISION`, `FUNDING_RATE_PRECISION`), so Drift's socialised-loss
/// test vector reproduces digit for digit.
///
/// Every operation here is checked: an overflow throws `Perp/overflow` (an agent's absurd
/// input fails its transaction, as a Solidity 0.8 contract reverts), never wraps, never
/// traps. Each division states its rounding, because rounding decides who keeps the dust.
public enum PerpMath {
    /// Quantums in one USDC.
    public static let quantumsPerUSDC: Int128 = 1_000_000
    /// Size units in one whole base unit (one ETH, one BTC).
    public static let sizeScale: Int128 = 1_000_000_000
    /// One whole fraction in parts per million.
    public static let ppm: Int128 = 1_000_000
    /// The funding index carries 1e3 more digits than a price (Drift's
    /// `FUNDING_RATE_BUFFER`), so small rates on cheap assets are not rounded away.
    public static let fundingIndexScale: Int128 = 1_000
    /// `size × index change / fundingPaymentDivisor` is a funding payment in quantums.
    public static let fundingPaymentDivisor: Int128 = sizeScale * fundingIndexScale
    /// Funding rates are quoted per eight hours, as Binance, BitMEX and dYdX quote them.
    public static let fundingRatePeriodSeconds: Int128 = 8 * 3600

    /// Which way a division rounds.
    public enum Rounding: Sendable {
        /// Toward −∞ (floor).
        case down
        /// Toward +∞ (ceiling).
        case up
        /// Toward zero (truncation), symmetric in sign.
        case towardZero
    }

    /// `a + b`, or `Perp/overflow`.
    @inline(__always)
    public static func add(_ a: Int128, _ b: Int128) throws(Revert) -> Int128 {
        let (sum, overflow) = a.addingReportingOverflow(b)
        guard !overflow else { throw overflowRevert }
        return sum
    }

    /// `a − b`, or `Perp/overflow`.
    @inline(__always)
    public static func sub(_ a: Int128, _ b: Int128) throws(Revert) -> Int128 {
        let (difference, overflow) = a.subtractingReportingOverflow(b)
        guard !overflow else { throw overflowRevert }
        return difference
    }

    /// `a × b`, or `Perp/overflow`.
    @inline(__always)
    public static func mul(_ a: Int128, _ b: Int128) throws(Revert) -> Int128 {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        guard !overflow else { throw overflowRevert }
        return product
    }

    /// `−a`, or `Perp/overflow` for `Int128.min`.
    @inline(__always)
    public static func negate(_ a: Int128) throws(Revert) -> Int128 {
        try sub(0, a)
    }

    /// `a × b / d` with a 256-bit intermediate, rounded as asked; `Perp/overflow` when the
    /// quotient does not fit, `Perp/division-by-zero` when `d` is zero.
    ///
    /// Works on magnitudes (so the product never overflows) and applies the sign after, so
    /// the rounding direction is exact for every sign combination.
    public static func mulDiv(
        _ a: Int128, _ b: Int128, _ d: Int128, _ rounding: Rounding
    ) throws(Revert) -> Int128 {
        guard d != 0 else { throw Revert("Perp/division-by-zero") }
        let (quotient, remainder) = try quotientAndRemainder(a.magnitude, b.magnitude, d.magnitude)
        let negative = ((a < 0) != (b < 0)) != (d < 0) && (quotient | remainder) != 0
        var magnitude = quotient
        if remainder != 0 {
            switch rounding {
            case .down where negative, .up where !negative: magnitude += 1
            default: break
            }
        }
        guard magnitude <= UInt128(Int128.max) else { throw overflowRevert }
        return negative ? -Int128(magnitude) : Int128(magnitude)
    }

    /// `⌊x·y / d⌋` and the remainder, exactly; `Perp/overflow` when the quotient passes
    /// 128 bits. The same numbers by the cheapest route: a product that fits 128 bits (every
    /// position's value and requirement in any world) is divided natively — by the
    /// processor's 128-by-64-bit division when the divisor and the quotient fit 64 bits —
    /// and only a wider one takes the 256-bit path, whose generic multiplication and
    /// division were a third of the perpetuals bench.
    @inline(__always)
    static func quotientAndRemainder(_ x: UInt128, _ y: UInt128, _ d: UInt128) throws(Revert)
        -> (quotient: UInt128, remainder: UInt128)
    {
        let (narrow, overflow) = x.multipliedReportingOverflow(by: y)
        if !overflow {
            let high = UInt64(truncatingIfNeeded: narrow >> 64)
            if d <= UInt128(UInt64.max), high < UInt64(truncatingIfNeeded: d) {
                let divisor = UInt64(truncatingIfNeeded: d)
                let (quotient, remainder) = divisor.dividingFullWidth(
                    (high, UInt64(truncatingIfNeeded: narrow)))
                return (UInt128(quotient), UInt128(remainder))
            }
            return narrow.quotientAndRemainder(dividingBy: d)
        }
        let product = x.multipliedFullWidth(by: y)
        guard product.high < d else { throw overflowRevert }
        return d.dividingFullWidth(product)
    }

    /// `a / d` rounded as asked.
    @inline(__always)
    public static func div(_ a: Int128, _ d: Int128, _ rounding: Rounding) throws(Revert)
        -> Int128
    {
        try mulDiv(a, 1, d, rounding)
    }

    /// `a · b ≥ c · d`, exactly (the products are compared at full 256-bit width).
    ///
    /// Used where a margin rule compares two ratios without dividing.
    public static func productAtLeast(_ a: Int128, _ b: Int128, _ c: Int128, _ d: Int128)
        -> Bool
    {
        let left = a.multipliedFullWidth(by: b)
        let right = c.multipliedFullWidth(by: d)
        return (left.high, left.low) >= (right.high, right.low)
    }

    /// The quote value of `size` at `price`, in quantums, rounded down (toward −∞): a long
    /// is worth a little less and a short owes a little more than exactly, so an account's
    /// equity is never overstated.
    @inline(__always)
    public static func value(size: Int128, price: Int128) throws(Revert) -> Int128 {
        try mulDiv(size, price, sizeScale, .down)
    }

    /// `|size| × price × fraction`, in quantums, rounded up: a margin requirement, never
    /// understated.
    @inline(__always)
    public static func requirement(size: Int128, price: Int128, fractionPpm: Int128)
        throws(Revert) -> Int128
    {
        let notional = try mul(try size.checkedMagnitude, price)
        return try mulDiv(notional, fractionPpm, sizeScale * ppm, .up)
    }

    /// The revert of every checked operation that overflows.
    static let overflowRevert = Revert("Perp/overflow")
}

extension Int128 {
    /// The absolute value, or `Perp/overflow` for `Int128.min`.
    var checkedMagnitude: Int128 {
        get throws(Revert) {
            guard self != .min else { throw PerpMath.overflowRevert }
            return self < 0 ? -self : self
        }
    }
}
